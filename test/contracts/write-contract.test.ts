import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readContractText } from '../../src/contracts/read-contract.js';
import { writeContractYaml } from '../../src/contracts/write-contract.js';
import { lintContractText } from '../../src/contracts/lint-contract.js';
import { templateContract } from './helpers.js';

describe('contract writing', () => {
  it('round-trips every starter contract: write, lint clean, read the same document', () => {
    for (const name of ['account', 'activity', 'contact', 'lead', 'opportunity']) {
      const original = readContractText(readFileSync(templateContract(`${name}.odcs.yaml`), 'utf8'));
      const text = writeContractYaml(original);
      expect(lintContractText(text, `${name}.yaml`)).toEqual([]);
      expect(readContractText(text).document).toEqual(original.document);
    }
  });

  it('puts the standard fields first in ODCS order', () => {
    const c = readContractText(readFileSync(templateContract('lead.odcs.yaml'), 'utf8'));
    const text = writeContractYaml({ slaProperties: c.document.slaProperties, ...c.document, version: '1.1.0' }, 'lead v1.1.0');
    expect(text.startsWith('# lead v1.1.0\napiVersion: v3.1.0\nkind: DataContract\nid: verity-crm-lead\n')).toBe(true);
    expect(readContractText(text).version).toBe('1.1.0');
  });
});
