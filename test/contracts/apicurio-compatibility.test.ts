import { expect, it } from 'vitest';
import { describeWithFixtures, readFixtureJson } from '../helpers/fixtures.js';
import { checkSchemaCompatibility } from '../../src/contracts/compat/check-compatibility.js';

interface Case {
  id: string;
  enabled: boolean;
  compatibility: 'backward' | 'both' | 'none' | 'forward';
  original: unknown;
  updated: unknown;
}

/**
 * Cases where Verity's verdict differs from Apicurio's expectation, with the reason. Empty means
 * every case passes.
 */
const DIVERGENCES: Record<string, string> = {};

describeWithFixtures('apicurio-registry', 'Apicurio Registry JSON Schema compatibility suite', () => {
  const data = readFixtureJson<{ tests: Case[] }>('apicurio-registry', 'schema-util-json', 'compatibility-test-data.json');

  it('has the 145 cases the suite documents', () => {
    expect(data.tests).toHaveLength(145);
  });

  data.tests.forEach((c, index) => {
    const name = `classifies "${c.id}" (#${index}) as ${c.compatibility}`;
    const run = () => {
      const backward = checkSchemaCompatibility(c.original, c.updated, { level: 'BACKWARD' }).compatible;
      const forward = checkSchemaCompatibility(c.original, c.updated, { level: 'FORWARD' }).compatible;
      const verdict = backward && forward ? 'both' : backward ? 'backward' : forward ? 'forward' : 'none';
      expect(verdict).toBe(c.compatibility);
    };
    if (DIVERGENCES[`${index}`]) it.fails(`${name} — divergence: ${DIVERGENCES[`${index}`]}`, run);
    else it(name, run);
  });
});
