/**
 * Writes ODCS v3.1 documents back to YAML, keeping the standard's key order so diffs of contract
 * files stay readable.
 */
import { stringify } from 'yaml';
import { sha256Canonical } from '../util/canonical-json.js';
import type { Contract } from './contract-model.js';

const TOP_ORDER = ['apiVersion', 'kind', 'id', 'name', 'version', 'status', 'tenant', 'domain', 'dataProduct', 'tags', 'description', 'servers', 'schema', 'support', 'price', 'team', 'roles', 'slaDefaultElement', 'slaProperties', 'authoritativeDefinitions', 'customProperties', 'contractCreatedTs'];

function ordered(doc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of TOP_ORDER) if (doc[key] !== undefined) out[key] = doc[key];
  for (const [key, value] of Object.entries(doc)) if (!(key in out) && value !== undefined) out[key] = value;
  return out;
}

/**
 * Serialises an ODCS document (or a contract's document) as YAML with a header comment.
 * @example
 * writeFileSync('contracts/lead.odcs.yaml', writeContractYaml({ ...contract.document, version: '1.1.0' }));
 */
export function writeContractYaml(document: Record<string, unknown> | Contract, header?: string): string {
  const doc = 'document' in document && typeof document.document === 'object' ? (document as Contract).document : (document as Record<string, unknown>);
  const body = stringify(ordered(doc), { lineWidth: 0, aliasDuplicateObjects: false });
  const comment = (header ?? `ODCS v3.1 contract written by Verity (content sha256:${sha256Canonical(doc).slice(0, 12)}…)`)
    .split('\n')
    .map((l) => `# ${l}`)
    .join('\n');
  return `${comment}\n${body}`;
}
