import { statSync, writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { VerityError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { projectPath } from '../../config/config.js';
import { lintContractPath, readConsumers, readContractDir, validateContractData, validateContractDirectory } from '../../contracts/contract-files.js';
import { parseCompatibilityMode, parseCompatibilityPolicy } from '../../contracts/compat/check-compatibility.js';
import { contractChangelog } from '../../contracts/contract-changelog.js';
import { renderCatalogHtml, renderCatalogMarkdown } from '../../contracts/contract-docs.js';
import { readContractFile } from '../../contracts/read-contract.js';
import { listContractFiles } from '../../contracts/contract-resolver.js';
import { contractToJsonSchema } from '../../contracts/contract-json-schema.js';
import { openConfiguredRegistry, readContractArgument } from '../../contracts/registry/open-registry.js';
import { diffContracts } from '../../contracts/contract-diff.js';
import type { RecordResult } from '../../contracts/validate-data.js';
import type { PublishResult } from '../../contracts/registry/registry.js';

const collect = (value: string, previous: string[]) => [...previous, value];

function parseLookups(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new VerityError('INVALID_ARGUMENT', `--lookup "${v}" must be entity=file, e.g. --lookup account=records/account.ndjson.`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

function parseNow(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new VerityError('INVALID_ARGUMENT', `--now "${value}" is not an ISO 8601 time (e.g. 2026-03-01T12:00:00Z).`);
  return t;
}

/** `verity contract …`: lint, diff, validate, publish, changelog, docs, schema. */
export function registerContract(program: Command, context: () => CliContext): void {
  const contract = program.command('contract').description('ODCS v3.1 data contracts: lint, diff, validate data, publish, changelog, docs');

  contract
    .command('lint')
    .description('check contracts against ODCS v3.1 and Verity rules (exit 1 on errors)')
    .argument('<path>', 'a contract file or a directory of *.odcs.yaml files')
    .action((path: string) => {
      const report = lintContractPath(path);
      context().print(report, (r: typeof report) =>
        [...r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.rule}: ${f.message}`), `${r.files.length} file(s): ${r.errors} error(s), ${r.warnings} warning(s)`].join('\n'),
      );
      if (report.errors > 0) process.exitCode = 1;
    });

  contract
    .command('diff')
    .description('classify the changes between two contract versions (exit 1 when breaking)')
    .argument('<old>', 'the old contract: a file, or entity@version / entity@latest from the registry')
    .argument('<new>', 'the new contract: a file, or entity@version from the registry')
    .addOption(new Option('--mode <mode>', 'compatibility to check: backward, forward, full, none (transitive names accepted)').default('backward'))
    .option('--policy <policy>', 'open content models: strict or lenient', 'strict')
    .option('--consumers <file>', 'JSON/YAML list of consumers {name, kind, entity, fields} to name in breaking changes')
    .action(async (oldRef: string, newRef: string, opts: { mode: string; policy: string; consumers?: string }) => {
      const level = parseCompatibilityMode(opts.mode);
      const policy = parseCompatibilityPolicy(opts.policy);
      const config = () => context().config();
      const diff = diffContracts(await readContractArgument(oldRef, config), await readContractArgument(newRef, config), { level, policy, ...(opts.consumers ? { consumers: readConsumers(opts.consumers) } : {}) });
      const result = {
        compatible: diff.compatible,
        entity: diff.entity,
        from: diff.from,
        to: diff.to,
        level: diff.level,
        policy: diff.policy,
        changes: diff.changes.map((c) => ({ type: c.type, path: c.path, severity: c.severity, message: c.message, category: c.category, breaks: c.breaks, breaksConsumers: c.breaksConsumers, why: c.why, consumers: c.consumers })),
        affectedConsumers: diff.affectedConsumers,
      };
      context().print(result, (r: typeof result) =>
        [
          `${r.entity} ${r.from} → ${r.to}: ${r.compatible ? 'compatible' : 'NOT compatible'} under ${r.level} (${r.policy})`,
          ...r.changes.map((c) => `  ${c.severity.padEnd(8)} ${c.type} ${c.path} — ${c.message}; ${c.why}${c.consumers.length ? ` [affects ${c.consumers.join(', ')}]` : ''}`),
        ].join('\n'),
      );
      if (!diff.compatible) process.exitCode = 1;
    });

  contract
    .command('validate')
    .description('validate a data file (NDJSON or CSV) against a contract, record by record (exit 1 when any record fails)')
    .argument('<contract>', 'the contract file (or a contracts directory, with a data directory)')
    .argument('<data>', 'a .ndjson/.jsonl or .csv file (or a directory of <entity>.ndjson/.csv files)')
    .option('--lookup <entity=file>', 'keys of another entity for reference rules (repeatable)', collect, [])
    .option('--now <time>', 'the time "not in the future" rules compare with (default: now)')
    .option('--partial', 'records are partial updates: absent required fields are not reported')
    .option('--max-report <n>', 'report at most n failing records (default: all with --json, 50 otherwise)')
    .option('--ndjson', 'stream: one JSON line per failing record as it is found, then a summary line (for big files)')
    .action(async (contractFile: string, dataFile: string, opts: { lookup: string[]; now?: string; partial?: boolean; maxReport?: string; ndjson?: boolean }) => {
      const ctx = context();
      const json = ctx.options.json === true;
      if (opts.ndjson && json) throw new VerityError('INVALID_ARGUMENT', 'Use either --json (one document) or --ndjson (a stream of lines), not both.');
      const max = opts.maxReport === undefined ? (json ? Infinity : 50) : Number(opts.maxReport);
      if (Number.isNaN(max) || max < 0) throw new VerityError('INVALID_ARGUMENT', `--max-report must be a number ≥ 0, got "${opts.maxReport}".`);
      if (statSync(contractFile).isDirectory() && statSync(dataFile).isDirectory()) {
        const now = parseNow(opts.now);
        const failing: (RecordResult & { entity: string })[] = [];
        const summaries = await validateContractDirectory(contractFile, dataFile, {
          lookups: parseLookups(opts.lookup),
          ...(now !== undefined ? { now } : {}),
          ...(opts.partial ? { partial: true } : {}),
          onResult: (entity, r) => {
            if (!r.violations.length) return;
            if (opts.ndjson) ctx.print(r, () => JSON.stringify({ entity, ...r }));
            else if (failing.length < max) failing.push({ entity, ...r });
          },
        });
        const result = { summaries, results: failing };
        if (opts.ndjson) ctx.print(summaries, () => JSON.stringify({ summaries }));
        else
          ctx.print(result, (r: typeof result) =>
            [
              ...r.results.flatMap((x) => x.violations.map((v) => `${x.entity} line ${x.line}${x.key ? ` ${x.key}` : ''}: ${v.field || '(record)'} ${v.rule}: ${v.message}`)),
              ...r.summaries.map((x) => `${x.entity}@${x.version}: ${x.records} record(s), ${x.valid} valid, ${x.invalid} invalid`),
            ].join('\n'),
          );
        if (summaries.some((x) => x.invalid > 0)) process.exitCode = 1;
        return;
      }
      if (opts.ndjson) {
        const now = parseNow(opts.now);
        const summary = await validateContractData(contractFile, dataFile, {
          lookups: parseLookups(opts.lookup),
          ...(now !== undefined ? { now } : {}),
          ...(opts.partial ? { partial: true } : {}),
          onResult: (r) => {
            if (r.violations.length) ctx.print(r, () => JSON.stringify(r));
          },
        });
        ctx.print(summary, () => JSON.stringify({ summary }));
        if (summary.invalid > 0) process.exitCode = 1;
        return;
      }
      const failing: RecordResult[] = [];
      const now = parseNow(opts.now);
      const summary = await validateContractData(contractFile, dataFile, {
        lookups: parseLookups(opts.lookup),
        ...(now !== undefined ? { now } : {}),
        ...(opts.partial ? { partial: true } : {}),
        onResult: (r) => {
          if (r.violations.length && failing.length < max) failing.push(r);
        },
      });
      const result = { summary, results: failing };
      ctx.print(result, (r: typeof result) =>
        [
          ...r.results.flatMap((x) => x.violations.map((v) => `line ${x.line}${x.key ? ` ${x.key}` : ''}: ${v.field || '(record)'} ${v.rule}: ${v.message}`)),
          ...(r.summary.invalid > r.results.length ? [`… ${r.summary.invalid - r.results.length} more failing record(s) (--max-report to see more)`] : []),
          `${r.summary.entity}@${r.summary.version}: ${r.summary.records} record(s), ${r.summary.valid} valid, ${r.summary.invalid} invalid`,
          ...Object.entries(r.summary.byRule).map(([rule, n]) => `  ${rule}: ${n}`),
        ].join('\n'),
      );
      if (summary.invalid > 0) process.exitCode = 1;
    });

  contract
    .command('publish')
    .description('publish contracts to the registry (refused when incompatible without a major version)')
    .argument('[paths...]', 'contract files or directories (default: the project contracts dir)')
    .option('--actor <name>', 'who publishes (recorded)', process.env.USER ?? 'verity')
    .option('--consumers <file>', 'consumers to name in breaking changes')
    .action(async (paths: string[], opts: { actor: string; consumers?: string }) => {
      const ctx = context();
      const loaded = ctx.config();
      // A directory publishes its top-level contracts only (like the resolver): drafts such as next/ stay out.
      const files = (paths.length ? paths : [projectPath(loaded, loaded.config.contracts.dir)]).flatMap((p) => (statSync(p).isDirectory() ? listContractFiles(p) : [p]));
      const registry = openConfiguredRegistry(loaded);
      const results: PublishResult[] = [];
      try {
        const consumers = opts.consumers ? readConsumers(opts.consumers) : undefined;
        for (const file of files) results.push(await registry.publish(readContractFile(file), { actor: opts.actor, ...(consumers ? { consumers } : {}) }));
      } finally {
        await registry.close();
      }
      const out = results.map((r) => ({ entity: r.entity, version: r.version, digest: r.digest, created: r.created, previous: r.previous ?? null, mode: r.mode, changes: r.changes.map((c) => `${c.type} ${c.path}`) }));
      ctx.print(out, (rs: typeof out) => rs.map((r) => `${r.created ? 'published' : 'unchanged'} ${r.entity}@${r.version} ${r.digest.slice(0, 19)}…${r.previous ? ` (after ${r.previous}, ${r.mode}, ${r.changes.length} change(s))` : ''}`).join('\n'));
    });

  contract
    .command('changelog')
    .description('a Markdown changelog between two contract versions')
    .argument('<old>', 'the old contract: a file, or entity@version from the registry')
    .argument('<new>', 'the new contract: a file, or entity@version from the registry')
    .option('--mode <mode>', 'compatibility to judge breaking changes by', 'backward')
    .option('--consumers <file>', 'consumers to name')
    .action(async (oldRef: string, newRef: string, opts: { mode: string; consumers?: string }) => {
      const config = () => context().config();
      const text = contractChangelog(await readContractArgument(oldRef, config), await readContractArgument(newRef, config), { level: parseCompatibilityMode(opts.mode), ...(opts.consumers ? { consumers: readConsumers(opts.consumers) } : {}) });
      context().print({ markdown: text }, () => text);
    });

  contract
    .command('docs')
    .description('a readable catalogue of the contracts (entities, fields, meanings, owners, SLAs) as Markdown or HTML')
    .argument('[dir]', 'contracts directory (default: the project contracts dir)')
    .addOption(new Option('--format <format>', 'md or html').choices(['md', 'html']).default('md'))
    .option('--out <file>', 'write to a file instead of stdout')
    .action((dir: string | undefined, opts: { format: 'md' | 'html'; out?: string }) => {
      const ctx = context();
      const root = dir ?? projectPath(ctx.config(), ctx.config().config.contracts.dir);
      const contracts = readContractDir(root);
      const text = opts.format === 'html' ? renderCatalogHtml(contracts) : renderCatalogMarkdown(contracts);
      if (opts.out) {
        writeFileSync(opts.out, text);
        ctx.print({ written: opts.out, contracts: contracts.length }, () => `wrote ${opts.out} (${contracts.length} contracts)`);
      } else ctx.print({ format: opts.format, text }, () => text);
    });

  contract
    .command('schema')
    .description('export a contract as JSON Schema 2020-12')
    .argument('<contract>', 'the contract file')
    .action((file: string) => {
      const schema = contractToJsonSchema(readContractFile(file));
      context().print(schema, (s) => JSON.stringify(s, null, 2));
    });
}
