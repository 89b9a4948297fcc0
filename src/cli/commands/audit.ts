import { resolve } from 'node:path';
import type { Command } from 'commander';
import { exportAuditLog, type AuditExportFormat } from '../../audit/audit-export.js';
import type { AuditLog, AuditVerification, ConsistencyProof, InclusionProof, SignedTreeHead } from '../../audit/audit-log.js';
import { openAuditLog } from '../../audit/open-audit-log.js';
import { VerityError } from '../../errors.js';
import { tryProjectSigner, projectVerifier } from '../../keys/project-keys.js';
import { packageVersion } from '../../util/package-root.js';
import type { CliContext } from '../context.js';

async function withLog<T>(ctx: CliContext, fn: (log: AuditLog) => Promise<T>): Promise<T> {
  const loaded = ctx.config();
  const signer = tryProjectSigner(loaded);
  let verifier;
  if (!signer) {
    try {
      verifier = projectVerifier(loaded);
    } catch {
      verifier = undefined;
    }
  }
  // Every audit command only reads: no writer lock, no repair, so it is safe while `verity serve` appends.
  const log = await openAuditLog(loaded, { signer, verifier, readOnly: true });
  try {
    return await fn(log);
  } finally {
    await log.close();
  }
}

function nonNegativeInt(value: string, what: string): number {
  if (!/^\d+$/.test(value)) throw new VerityError('INVALID_ARGUMENT', `${what} must be a non-negative integer, got "${value}".`);
  return Number(value);
}

/** `verity audit verify|head|proof|consistency|export`. */
export function registerAudit(program: Command, context: () => CliContext): void {
  const audit = program.command('audit').description('the tamper-evident audit log (RFC 9162 Merkle tree, signed tree heads)');
  audit
    .command('verify')
    .description('recompute every entry, subtree and tree head and check signatures; exit 1 and name the first bad entry when something was altered')
    .action(async () => {
      const ctx = context();
      const v = await withLog(ctx, (log) => log.verify());
      ctx.print(v, (r: AuditVerification) =>
        r.valid
          ? `Audit log OK: ${r.entries} entries, ${r.heads} signed tree heads, root ${r.root_hash}${r.signatures_checked ? '' : '\n  (head signatures NOT checked: no public key; set keys.publicKeyFile or run `verity keys export-public`)'}`
          : [`Audit log FAILED verification (${r.entries} entries)${r.first_bad_index !== undefined ? `: first bad entry ${r.first_bad_index}` : ''}`, ...r.problems.map((p) => `  - ${p.message}`)].join('\n'),
      );
      if (!v.valid) process.exitCode = 1;
    });
  audit
    .command('head')
    .description('print the newest signed tree head')
    .action(async () => {
      const ctx = context();
      const head = await withLog(ctx, (log) => log.head());
      ctx.print(head, (h: SignedTreeHead) => `tree_size ${h.tree_size}\nroot_hash ${h.root_hash}\ntimestamp ${h.timestamp}\nsigned    ${h.envelope ? `yes (keyid ${h.envelope.signatures[0]?.keyid ?? '?'})` : 'no'}`);
    });
  audit
    .command('proof')
    .description('inclusion proof of one entry (RFC 9162 section 2.1.3)')
    .argument('<index>', 'entry index (0-based)')
    .option('--size <n>', 'tree size to prove against (default: current size)')
    .action(async (index: string, opts: { size?: string }) => {
      const ctx = context();
      const i = nonNegativeInt(index, 'Entry index');
      const size = opts.size === undefined ? undefined : nonNegativeInt(opts.size, '--size');
      const proof = await withLog(ctx, (log) => log.inclusionProof(i, size));
      ctx.print(proof, (p: InclusionProof) => [`entry ${p.index} in tree of size ${p.tree_size}`, `leaf_hash ${p.leaf_hash}`, `root_hash ${p.root_hash}`, 'proof:', ...p.proof.map((x) => `  ${x}`)].join('\n'));
    });
  audit
    .command('consistency')
    .description('consistency proof between an older tree size and a newer one (RFC 9162 section 2.1.4)')
    .argument('<size1>', 'older tree size')
    .option('--size <n>', 'newer tree size (default: current size)')
    .action(async (size1: string, opts: { size?: string }) => {
      const ctx = context();
      const a = nonNegativeInt(size1, 'size1');
      const b = opts.size === undefined ? undefined : nonNegativeInt(opts.size, '--size');
      const proof = await withLog(ctx, (log) => log.consistencyProof(a, b));
      ctx.print(proof, (p: ConsistencyProof) => [`sizes ${p.size1} -> ${p.size2}`, `root1 ${p.root1}`, `root2 ${p.root2}`, 'proof:', ...p.proof.map((x) => `  ${x}`)].join('\n'));
    });
  audit
    .command('export')
    .description('export entries for a SIEM as NDJSON or CEF')
    .option('--format <format>', 'ndjson or cef', 'ndjson')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--from <index>', 'first entry')
    .option('--to <index>', 'stop before this entry')
    .action(async (opts: { format: string; out?: string; from?: string; to?: string }) => {
      const ctx = context();
      if (opts.format !== 'ndjson' && opts.format !== 'cef') throw new VerityError('INVALID_ARGUMENT', `--format must be ndjson or cef, got "${opts.format}".`);
      const result = await withLog(ctx, (log) =>
        exportAuditLog(log, {
          format: opts.format as AuditExportFormat,
          productVersion: packageVersion(),
          ...(opts.out ? { out: resolve(ctx.options.cwd ?? process.cwd(), opts.out) } : {}),
          ...(opts.from ? { from: nonNegativeInt(opts.from, '--from') } : {}),
          ...(opts.to ? { to: nonNegativeInt(opts.to, '--to') } : {}),
        }),
      );
      ctx.print(result, (r: { entries: number; out?: string; text?: string }) => (r.out ? `Exported ${r.entries} entries to ${r.out}` : (r.text ?? '')));
    });
}
