/**
 * The registry's rules over any {@link RegistryStore}: immutability, content addressing, version
 * order, compatibility per entity (with transitive modes) and audit facts.
 */
import { VerityError } from '../../errors.js';
import type { AuditSink } from '../../audit/audit-sink.js';
import { sha256Canonical } from '../../util/canonical-json.js';
import { contractFromDocument } from '../read-contract.js';
import { diffContracts, type ContractChange } from '../contract-diff.js';
import { COMPATIBILITY_MODES, parseCompatibilityMode, parseCompatibilityPolicy, type CompatibilityMode } from '../compat/check-compatibility.js';
import type { PublishResult, Registry, RegistryEntry, RegistryStore, SubjectConfig } from './registry.js';
import { compareSemVer, parseSemVer } from './semver.js';

/** Options shared by every registry implementation. */
export interface RegistryOptions {
  /** Receives a `contract.published` fact per new version. */
  audit?: AuditSink;
  /** The clock for `published_at` (default `Date.now`). */
  clock?: () => number;
}

/** The content digest of an ODCS document: `sha256:` + hex of its canonical JSON. */
export function contractDigest(document: Record<string, unknown>): string {
  return `sha256:${sha256Canonical(document)}`;
}

function verify(entry: RegistryEntry): RegistryEntry {
  const digest = contractDigest(entry.document);
  if (digest !== entry.digest)
    throw new VerityError('INTEGRITY_FAILED', `Registry entry ${entry.entity}@${entry.version} does not match its digest (stored ${entry.digest}, computed ${digest}); the stored contract was altered.`);
  return entry;
}

/** Wraps a store with the registry's rules. Implementations call this from their factory. */
export function createRegistry(store: RegistryStore, options: RegistryOptions = {}): Registry {
  const clock = options.clock ?? Date.now;
  const sorted = async (entity: string) => (await store.list(entity)).map(verify).sort((a, b) => compareSemVer(a.version, b.version));
  const configOf = async (entity: string, fallbackMode?: string): Promise<SubjectConfig> => {
    const stored = await store.getConfig(entity);
    const mode = stored?.mode ?? (fallbackMode && (COMPATIBILITY_MODES as readonly string[]).includes(fallbackMode) ? (fallbackMode as CompatibilityMode) : 'BACKWARD');
    return { mode, policy: stored?.policy ?? 'STRICT' };
  };
  let closed = false;
  const open = () => {
    if (closed) throw new VerityError('UNAVAILABLE', 'The registry is closed; open a new one.');
  };

  return {
    capabilities: store.capabilities,
    async publish(contract, publishOptions = {}) {
      open();
      const version = contract.version;
      const next = parseSemVer(version);
      const document = contract.document;
      const digest = contractDigest(document);
      const existing = await sorted(contract.entity);
      const same = existing.find((e) => e.version === version);
      const config = await configOf(contract.entity, contract.compatibility);
      if (same) {
        if (same.digest === digest) return { entity: contract.entity, version, digest, created: false, mode: config.mode, changes: [] };
        throw new VerityError('CONFLICT', `Contract ${contract.entity}@${version} is already published with different content (${same.digest}); published versions are immutable. Bump the version (e.g. ${next.major}.${next.minor}.${next.patch + 1}).`);
      }
      const latest = existing.at(-1);
      if (latest && compareSemVer(version, latest.version) < 0)
        throw new VerityError('CONFLICT', `Contract ${contract.entity}@${version} is below the latest published version ${latest.version}; publish a higher version.`);
      let changes: ContractChange[] = [];
      if (latest) {
        const against = config.mode.endsWith('_TRANSITIVE') ? existing : [latest];
        const breaking: (ContractChange & { against: string })[] = [];
        for (const entry of against) {
          const diff = diffContracts(contractFromDocument(entry.document), contract, { level: config.mode, policy: config.policy, consumers: publishOptions.consumers ?? [] });
          if (entry === latest) changes = diff.changes;
          breaking.push(...diff.breaking.map((c) => ({ ...c, against: entry.version })));
        }
        const majorBump = next.major > parseSemVer(latest.version).major;
        if (breaking.length > 0 && !majorBump)
          throw new VerityError(
            'INCOMPATIBLE_CHANGE',
            `Contract ${contract.entity}@${version} is not ${config.mode} compatible with ${against.length > 1 ? 'earlier versions' : latest.version}: ${breaking.length} breaking change${breaking.length > 1 ? 's' : ''} (${breaking
              .slice(0, 5)
              .map((c) => `${c.type} ${c.path}`)
              .join('; ')}${breaking.length > 5 ? '; …' : ''}). Publish it as a major version (${parseSemVer(latest.version).major + 1}.0.0) with a deprecation window, or make the change compatible.`,
            { details: { entity: contract.entity, version, previous: latest.version, mode: config.mode, policy: config.policy, breaking: breaking.map((c) => ({ type: c.type, path: c.path, against: c.against, message: c.message, why: c.why, consumers: c.consumers })) } },
          );
      }
      const entry: RegistryEntry = { entity: contract.entity, version, digest, published_at: new Date(clock()).toISOString(), actor: publishOptions.actor ?? 'verity', document };
      if (!(await store.insert(entry))) {
        const raced = (await store.list(contract.entity)).find((e) => e.version === version);
        if (raced?.digest === digest) return { entity: contract.entity, version, digest, created: false, mode: config.mode, changes };
        throw new VerityError('CONFLICT', `Contract ${contract.entity}@${version} was published concurrently with different content; bump the version.`);
      }
      await options.audit?.append([
        { type: 'contract.published', actor: entry.actor, time: entry.published_at, data: { entity: entry.entity, version, digest, previous: latest?.version ?? null, mode: config.mode, breaking: changes.filter((c) => c.severity === 'breaking').length } },
      ]);
      const result: PublishResult = { entity: contract.entity, version, digest, created: true, mode: config.mode, changes };
      if (latest) result.previous = latest.version;
      return result;
    },
    async get(entity, version) {
      open();
      const all = await sorted(entity);
      return version === undefined ? all.at(-1) : all.find((e) => e.version === version);
    },
    async versions(entity) {
      open();
      return sorted(entity);
    },
    async entities() {
      open();
      return (await store.entities()).sort();
    },
    async config(entity) {
      open();
      const latest = (await sorted(entity)).at(-1);
      return configOf(entity, latest ? contractFromDocument(latest.document).compatibility : undefined);
    },
    async setConfig(entity, config) {
      open();
      const current = await configOf(entity);
      const next: SubjectConfig = {
        mode: config.mode !== undefined ? parseCompatibilityMode(config.mode) : current.mode,
        policy: config.policy !== undefined ? parseCompatibilityPolicy(config.policy) : current.policy,
      };
      await store.putConfig(entity, next);
      return next;
    },
    async close() {
      if (closed) return;
      closed = true;
      await store.close();
    },
  };
}
