// Validation throughput of the compiled contact contract vs a bare Ajv-compiled JSON Schema of the
// same fields (the contract's own JSON Schema export), on the same realistic contact records made
// here by a seeded loop (≈5% carry a defect). Best of several rounds each, interleaved.
// Usage: node --import tsx bench/contract-validate.bench.ts [--scale N]
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { fileURLToPath } from 'node:url';
import { compileContract } from '../src/contracts/compile-contract.js';
import { contractToJsonSchema } from '../src/contracts/contract-json-schema.js';
import { readContractFile } from '../src/contracts/read-contract.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const scale = arg('scale', 1);
const N = Math.round(50_000 * scale);
const ROUNDS = 7;
const NOW = Date.parse('2026-03-01T12:00:00.000Z');

// A small seeded PRNG (mulberry32) so every run validates the same records.
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['jane', 'omar', 'li', 'sofia', 'lukas', 'amara', 'kenji', 'maria', 'noah', 'zoe'];
const LAST = ['doe', 'haddad', 'wei', 'rossi', 'schmidt', 'okafor', 'tanaka', 'garcia', 'smith', 'novak'];
const DOMAINS = ['acme.com', 'globex.io', 'initech.co.uk', 'umbrella.de', 'hooli.com'];
const COUNTRIES = ['US', 'DE', 'GB', 'FR', 'JP', 'BR', 'IN', 'NL'];
const STAGES = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'];
const PURPOSES = ['analytics', 'model_training', 'marketing'];

function makeRecords(n: number): Record<string, unknown>[] {
  const r = prng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const created = NOW - 86_400_000 - Math.floor(r() * 90 * 86_400_000);
    const rec: Record<string, unknown> = {
      contact_id: `con_${100000 + i}`,
      account_id: `001${String(i % 5000).padStart(15, '0')}`,
      email: `${first}.${last}${i % 100}@${pick(DOMAINS)}`,
      first_name: first,
      last_name: last,
      title: pick(['VP Sales', 'CTO', 'Data Engineer', 'Head of RevOps']),
      country: pick(COUNTRIES),
      lifecycle_stage: pick(STAGES),
      lead_score: Math.floor(r() * 101),
      consent: PURPOSES.filter(() => r() < 0.6),
      created_at: new Date(created).toISOString(),
      updated_at: new Date(created + Math.floor(r() * 86_400_000)).toISOString(),
    };
    if (r() < 0.7) rec.phone = `+1415555${String(1000 + (i % 9000))}`;
    const d = r();
    if (d < 0.01) rec.email = `${first}.${last}@@${pick(DOMAINS)}`;
    else if (d < 0.02) rec.country = 'United States';
    else if (d < 0.03) rec.lifecycle_stage = 'qualifed';
    else if (d < 0.04) rec.lead_score = 140;
    else if (d < 0.05) delete rec.email;
    out.push(rec);
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
let disagreements = 0;
for (const rec of records) if ((validator.validate(rec).length === 0) !== ajvValidate(rec)) disagreements++;

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
    checksum: sink % 1000,
  }),
);
