/**
 * A human changelog (Markdown) between two contract versions, from {@link diffContracts}.
 */
import type { Contract } from './contract-model.js';
import { diffContracts, type ContractChange, type ContractDiffOptions } from './contract-diff.js';

const SECTIONS: { title: string; pick: (c: ContractChange) => boolean }[] = [
  { title: 'Breaking changes', pick: (c) => c.severity === 'breaking' },
  { title: 'Fields and types', pick: (c) => c.severity !== 'breaking' && c.category === 'structural' },
  { title: 'Rules (values, ranges, formats, transitions, references)', pick: (c) => c.severity !== 'breaking' && c.category === 'semantic' },
  { title: 'Classification (PII)', pick: (c) => c.severity !== 'breaking' && c.category === 'classification' },
  { title: 'Service levels', pick: (c) => c.severity !== 'breaking' && c.category === 'operational' },
  { title: 'Ownership', pick: (c) => c.severity !== 'breaking' && c.category === 'ownership' },
  { title: 'Lifecycle', pick: (c) => c.severity !== 'breaking' && c.category === 'lifecycle' },
];

function line(c: ContractChange): string {
  const who = c.consumers.length ? ` Affects: ${c.consumers.join(', ')}.` : '';
  const flag = c.severity === 'warning' ? '⚠ ' : '';
  return `- ${flag}**${c.field ?? c.path}** — ${c.message}. _${c.why[0]!.toUpperCase()}${c.why.slice(1)}._${who} \`${c.type}\``;
}

/**
 * Renders the changes from `oldContract` to `newContract` as Markdown.
 * @example
 * writeFileSync('CHANGELOG-contact.md', contractChangelog(v1, v2));
 */
export function contractChangelog(oldContract: Contract, newContract: Contract, options: ContractDiffOptions = {}): string {
  const diff = diffContracts(oldContract, newContract, options);
  const out = [`# ${diff.entity} ${diff.from} → ${diff.to}`, ''];
  out.push(
    diff.compatible
      ? `Compatible under ${diff.level} (${diff.policy}): ${diff.changes.length} change${diff.changes.length === 1 ? '' : 's'}.`
      : `**Not compatible under ${diff.level} (${diff.policy})**: ${diff.breaking.length} breaking change${diff.breaking.length === 1 ? '' : 's'}; publishing needs a major version (${oldContract.version.split('.')[0]}.x → ${Number(oldContract.version.split('.')[0]) + 1}.0.0).`,
    '',
  );
  if (diff.changes.length === 0) out.push('No changes.', '');
  for (const s of SECTIONS) {
    const items = diff.changes.filter(s.pick);
    if (items.length === 0) continue;
    out.push(`## ${s.title}`, '', ...items.map(line), '');
  }
  if (diff.affectedConsumers.length) {
    out.push('## Consumers to notify', '');
    for (const c of diff.affectedConsumers) out.push(`- ${c.name} (${c.kind}): ${c.changes.join(', ')}`);
    out.push('');
  }
  return out.join('\n');
}
