/**
 * A readable catalogue of contracts — entities, fields and their meaning, rules, owners, SLAs —
 * as Markdown and as a self-contained HTML page.
 */
import type { Contract, FieldSpec } from './contract-model.js';

function rules(f: FieldSpec): string[] {
  const r: string[] = [];
  if (f.primaryKey) r.push('key');
  if (f.required) r.push('required');
  if (f.unique && !f.primaryKey) r.push('unique');
  if (f.format) r.push(`format ${f.format}`);
  if (f.pattern) r.push(`pattern \`${f.pattern}\``);
  if (f.minLength !== undefined || f.maxLength !== undefined) r.push(`length ${f.minLength ?? 0}–${f.maxLength ?? '∞'}`);
  if (f.minimum !== undefined || f.maximum !== undefined) r.push(`range ${f.minimum ?? '−∞'}–${f.maximum ?? '∞'}`);
  if (f.enum) r.push(`one of ${f.enum.join(', ')}`);
  if (f.items?.enum) r.push(`items in ${f.items.enum.join(', ')}`);
  if (f.notInFuture) r.push('not in the future');
  if (f.reference) r.push(`→ ${f.reference.entity}.${f.reference.field}`);
  if (f.transitions) r.push(`transitions ${Object.entries(f.transitions).map(([a, b]) => `${a}→${b.length ? b.join('|') : '∅'}`).join('; ')}`);
  if (f.deprecationDate) r.push(`deprecated, removed after ${f.deprecationDate}`);
  return r;
}

const sla = (c: Contract) => c.sla.map((s) => `${s.property}${s.element ? ` (${s.element})` : ''}: ${s.value}${s.unit ? ` ${s.unit}` : ''}${s.description ? ` — ${s.description}` : ''}`);
const people = (ps: Contract['owners']) => ps.map((p) => (p.name ? `${p.name} <${p.username}>` : p.username)).join(', ') || '—';
const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The catalogue as Markdown. */
export function renderCatalogMarkdown(contracts: readonly Contract[]): string {
  const out = ['# Data contracts', '', '| entity | version | status | owners | fields |', '|---|---|---|---|---|'];
  for (const c of contracts) out.push(`| [${c.entity}](#${c.entity}) | ${c.version} | ${c.status} | ${md(people(c.owners))} | ${c.fields.length} |`);
  out.push('');
  for (const c of contracts) {
    out.push(`## ${c.entity}`, '', `**${c.name}** — contract \`${c.id}\` version ${c.version} (${c.status}); ${c.closed ? 'closed content model (STRICT: undeclared fields are rejected)' : 'open content model'}.`, '');
    if (c.description) out.push(c.description, '');
    out.push(`- Key: ${c.keyFields.join(', ')}`, `- Owners: ${people(c.owners)}`, `- Stewards: ${people(c.stewards)}`, `- Consumers: ${people(c.consumers)}`);
    if (c.consentPurposes.length) out.push(`- Consent purposes: ${c.consentPurposes.join(', ')}`);
    for (const s of sla(c)) out.push(`- SLA ${s}`);
    out.push('', '| field | type | meaning | rules | PII |', '|---|---|---|---|---|');
    for (const f of c.fields) out.push(`| \`${f.name}\` | ${f.logicalType}${f.items ? `<${f.items.logicalType}>` : ''} | ${md(f.description ?? f.businessName ?? '')} | ${md(rules(f).join('; '))} | ${f.pii ? 'yes' : ''} |`);
    out.push('');
  }
  return out.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The catalogue as one self-contained HTML page. */
export function renderCatalogHtml(contracts: readonly Contract[]): string {
  const sections = contracts
    .map((c) => {
      const rows = c.fields
        .map((f) => `<tr><td><code>${esc(f.name)}</code></td><td>${esc(f.logicalType)}</td><td>${esc(f.description ?? f.businessName ?? '')}</td><td>${esc(rules(f).join('; '))}</td><td>${f.pii ? '<span class="pii">PII</span>' : ''}</td></tr>`)
        .join('\n');
      const facts = [
        `Key: ${esc(c.keyFields.join(', '))}`,
        `Owners: ${esc(people(c.owners))}`,
        `Stewards: ${esc(people(c.stewards))}`,
        `Consumers: ${esc(people(c.consumers))}`,
        ...(c.consentPurposes.length ? [`Consent purposes: ${esc(c.consentPurposes.join(', '))}`] : []),
        ...sla(c).map((s) => `SLA ${esc(s)}`),
      ]
        .map((x) => `<li>${x}</li>`)
        .join('');
      return `<section id="${esc(c.entity)}"><h2>${esc(c.entity)} <small>${esc(c.version)} · ${esc(c.status)} · ${c.closed ? 'closed' : 'open'}</small></h2>
<p>${esc(c.description ?? c.name)}</p><ul>${facts}</ul>
<table><thead><tr><th>field</th><th>type</th><th>meaning</th><th>rules</th><th>PII</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
    })
    .join('\n');
  const toc = contracts.map((c) => `<li><a href="#${esc(c.entity)}">${esc(c.entity)}</a> ${esc(c.version)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Data contracts</title>
<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f4}small{color:#666;font-weight:normal}.pii{background:#fde2e2;color:#900;padding:0 .3rem;border-radius:3px}</style>
</head><body><h1>Data contracts</h1><ul>${toc}</ul>
${sections}
</body></html>
`;
}
