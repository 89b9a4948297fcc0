/**
 * The conformance suite every {@link Registry} implementation runs (files, PostgreSQL).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AuditFact, AuditSink } from '../../src/audit/audit-sink.js';
import type { Registry } from '../../src/contracts/registry/registry.js';
import type { RegistryOptions } from '../../src/contracts/registry/create-registry.js';
import { readContractText } from '../../src/contracts/read-contract.js';
import { minimalContract } from '../contracts/helpers.js';
import { sha256Canonical } from '../../src/util/canonical-json.js';

/** Makes a fresh, empty registry for one test; `cleanup` removes whatever it created. */
export type RegistryFactory = (options: RegistryOptions) => Promise<{ registry: Registry; cleanup: () => Promise<void> }>;

const widget = (version: string, edit: (text: string) => string = (t) => t) => readContractText(edit(minimalContract({ version })), `widget@${version}`);
const loosen = (t: string) => t.replace('maximum: 10', 'maximum: 20');
const tighten = (t: string) => t.replace('maximum: 10', 'maximum: 5');
const dropBlue = (t: string) => t.replace('[red, green, blue]', '[red, green]');
const onlyRed = (t: string) => t.replace('[red, green, blue]', '[red]');

/** Registers the suite's tests in the surrounding `describe`. */
export function registryConformance(factory: RegistryFactory): void {
  let registry: Registry;
  let cleanup: () => Promise<void>;
  let facts: AuditFact[];
  beforeEach(async () => {
    facts = [];
    const audit: AuditSink = { append: async (f) => ((facts.push(...f)), { firstIndex: facts.length - f.length }) };
    ({ registry, cleanup } = await factory({ audit, clock: () => Date.parse('2026-03-01T12:00:00.000Z') }));
  });
  afterEach(async () => {
    await registry.close();
    await cleanup();
  });

  it('publishes a first version and returns it as the latest, content-addressed', async () => {
    const v1 = widget('1.0.0');
    const result = await registry.publish(v1, { actor: 'ana' });
    expect(result).toMatchObject({ entity: 'widget', version: '1.0.0', created: true, mode: 'BACKWARD' });
    expect(result.digest).toBe(`sha256:${sha256Canonical(v1.document)}`);
    const latest = await registry.get('widget');
    expect(latest).toMatchObject({ entity: 'widget', version: '1.0.0', digest: result.digest, actor: 'ana', published_at: '2026-03-01T12:00:00.000Z' });
    expect(latest?.document).toEqual(v1.document);
    expect(await registry.entities()).toEqual(['widget']);
  });

  it('treats re-publishing identical content as a no-op', async () => {
    await registry.publish(widget('1.0.0'));
    const again = await registry.publish(widget('1.0.0'));
    expect(again.created).toBe(false);
    expect(await registry.versions('widget')).toHaveLength(1);
  });

  it('refuses the same version with different content (immutability)', async () => {
    await registry.publish(widget('1.0.0'));
    await expect(registry.publish(widget('1.0.0', loosen))).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses a version below the latest', async () => {
    await registry.publish(widget('1.1.0'));
    await expect(registry.publish(widget('1.0.5', loosen))).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('accepts a compatible minor version and lists versions oldest first', async () => {
    await registry.publish(widget('1.0.0'));
    const r = await registry.publish(widget('1.1.0', loosen));
    expect(r).toMatchObject({ created: true, previous: '1.0.0' });
    expect(r.changes.map((c) => c.type)).toContain('NUMBER_TYPE_MAXIMUM_INCREASED');
    expect((await registry.versions('widget')).map((e) => e.version)).toEqual(['1.0.0', '1.1.0']);
    expect((await registry.get('widget', '1.0.0'))?.version).toBe('1.0.0');
  });

  it('refuses an incompatible change without a major bump, listing the breaking changes', async () => {
    await registry.publish(widget('1.0.0'));
    const error = await registry.publish(widget('1.1.0', (t) => dropBlue(tighten(t)))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INCOMPATIBLE_CHANGE' });
    const details = (error as { details: { breaking: { type: string; path: string }[] } }).details;
    expect(details.breaking.map((c) => `${c.type} ${c.path}`).sort()).toEqual(['ENUM_TYPE_VALUES_MEMBER_REMOVED #/properties/color', 'NUMBER_TYPE_MAXIMUM_DECREASED #/properties/size']);
    expect(await registry.versions('widget')).toHaveLength(1);
  });

  it('accepts an incompatible change with a major version bump', async () => {
    await registry.publish(widget('1.0.0'));
    const r = await registry.publish(widget('2.0.0', tighten));
    expect(r.created).toBe(true);
    expect(r.changes.filter((c) => c.severity === 'breaking').map((c) => c.type)).toEqual(['NUMBER_TYPE_MAXIMUM_DECREASED']);
  });

  it('checks every earlier version in a transitive mode', async () => {
    await registry.publish(widget('1.0.0'));
    await registry.setConfig('widget', { mode: 'NONE' });
    await registry.publish(widget('1.1.0', onlyRed));
    await registry.setConfig('widget', { mode: 'BACKWARD' });
    const dropBlueOnly = (t: string) => t.replace('[red, green, blue]', '[red, green]');
    await registry.setConfig('widget', { mode: 'BACKWARD_TRANSITIVE' });
    await expect(registry.publish(widget('1.2.0', dropBlueOnly))).rejects.toMatchObject({ code: 'INCOMPATIBLE_CHANGE' });
    await registry.setConfig('widget', { mode: 'BACKWARD' });
    expect((await registry.publish(widget('1.2.0', dropBlueOnly))).created).toBe(true);
  });

  it('keeps per-entity settings and rejects an unknown mode', async () => {
    expect(await registry.config('widget')).toEqual({ mode: 'BACKWARD', policy: 'STRICT' });
    expect(await registry.setConfig('widget', { mode: 'FULL_TRANSITIVE', policy: 'LENIENT' })).toEqual({ mode: 'FULL_TRANSITIVE', policy: 'LENIENT' });
    expect(await registry.config('widget')).toEqual({ mode: 'FULL_TRANSITIVE', policy: 'LENIENT' });
    await expect(registry.setConfig('widget', { mode: 'SIDEWAYS' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('in FORWARD mode refuses a change old readers cannot read', async () => {
    await registry.setConfig('widget', { mode: 'FORWARD' });
    await registry.publish(widget('1.0.0'));
    await expect(registry.publish(widget('1.1.0', loosen))).rejects.toMatchObject({ code: 'INCOMPATIBLE_CHANGE' });
    expect((await registry.publish(widget('1.1.0', tighten))).created).toBe(true);
  });

  it('records a contract.published fact for each new version only', async () => {
    await registry.publish(widget('1.0.0'), { actor: 'ci' });
    await registry.publish(widget('1.0.0'), { actor: 'ci' });
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({ type: 'contract.published', actor: 'ci', data: { entity: 'widget', version: '1.0.0' } });
  });

  it('returns nothing for an unknown entity or version', async () => {
    expect(await registry.get('nothing')).toBeUndefined();
    expect(await registry.versions('nothing')).toEqual([]);
    await registry.publish(widget('1.0.0'));
    expect(await registry.get('widget', '9.9.9')).toBeUndefined();
  });

  it('can be closed twice', async () => {
    await registry.close();
    await registry.close();
  });
}
