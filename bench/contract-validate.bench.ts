// Validation throughput of the compiled contact contract vs a bare Ajv-compiled JSON Schema of the
// same fields (the contract's own JSON Schema export), on the same generated contact records (the
// seeded generator, defects included). Best of several rounds each, interleaved.
// Usage: node --import tsx bench/contract-validate.bench.ts [--scale N]
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { fileURLToPath } from 'node:url';
import { compileContract } from '../src/contracts/compile-contract.js';
import { contractToJsonSchema } from '../src/contracts/contract-json-schema.js';
import { readContractFile } from '../src/contracts/read-contract.js';
import { generateChanges } from '../src/generator/generate-changes.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const scale = arg('scale', 1);
const N = Math.round(50_000 * scale);
const ROUNDS = 7;
const NOW = Date.parse('2026-03-01T12:00:00.000Z');

/** Contact records as the generator writes them to records/contact.ndjson (metadata fields dropped). */
function makeRecords(n: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const item of generateChanges({ seed: 42, contacts: Math.max(300, Math.ceil(n / 12)), accounts: 100, days: 30 })) {
    if (item.type !== 'delivery') continue;
    for (const line of item.records) {
      if (line.entity !== 'contact') continue;
      const rec: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(line.record)) if (!k.startsWith('_')) rec[k] = v;
      out.push(rec);
      if (out.length === n) return out;
    }
  }
  return out;
}

const contractPath = fileURLToPath(new URL('../templates/project/contracts/contact.odcs.yaml', import.meta.url));
const contract = readContractFile(contractPath);
const validator = compileContract(contract, { clock: () => NOW });
const ajv = new Ajv2020({ strict: false });
(addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
const ajvValidate = ajv.compile(contractToJsonSchema(contract));
const records = makeRecords(N);

let sink = 0;
function timeVerity(): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < records.length; i++) sink += validator.validate(records[i]!).length;
  return Number(process.hrtime.bigint() - t) / 1e9;
}
function timeAjv(): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < records.length; i++) sink += ajvValidate(records[i]) ? 0 : 1;
  return Number(process.hrtime.bigint() - t) / 1e9;
}

// Agreement check: both must reject the same records (the bench would be meaningless otherwise).
// "Not in the future" has no JSON Schema equivalent, so records failing only that rule are expected to differ.
let disagreements = 0;
let futureOnly = 0;
for (const rec of records) {
  const violations = validator.validate(rec);
  if ((violations.length === 0) === ajvValidate(rec)) continue;
  if (violations.length > 0 && violations.every((v) => v.rule === 'not_in_future')) futureOnly++;
  else disagreements++;
}

timeVerity();
timeAjv();
let bestVerity = Infinity;
let bestAjv = Infinity;
for (let round = 0; round < ROUNDS; round++) {
  bestVerity = Math.min(bestVerity, timeVerity());
  bestAjv = Math.min(bestAjv, timeAjv());
}
const verityRps = Math.round(N / bestVerity);
const ajvRps = Math.round(N / bestAjv);
console.log(
  JSON.stringify({
    bench: 'contract-validate',
    records: N,
    rounds: ROUNDS,
    invalidShare: Number((records.filter((r) => validator.validate(r).length > 0).length / N).toFixed(4)),
    verity_records_per_s: verityRps,
    ajv_records_per_s: ajvRps,
    ratio: Number((verityRps / ajvRps).toFixed(3)),
    target_ratio: 0.7,
    disagreements,
    differ_only_by_not_in_future: futureOnly,
    checksum: sink % 1000,
  }),
);
