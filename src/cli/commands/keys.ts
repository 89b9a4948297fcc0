import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { generateKeyPair, exportPublicKey, type GeneratedKeyPair } from '../../keys/key-files.js';
import { projectKeySource } from '../../keys/project-keys.js';
import { projectPath } from '../../config/config.js';
import type { CliContext } from '../context.js';

/** `verity keys generate|export-public`. */
export function registerKeys(program: Command, context: () => CliContext): void {
  const keys = program.command('keys').description('Ed25519 signing keys for snapshots and audit tree heads');
  keys
    .command('generate')
    .description('create an Ed25519 key pair (private key PEM with mode 0600, public key PEM)')
    .option('--out <dir>', 'directory to write the pair to (default: where keys.privateKeyFile points)')
    .option('--force', 'replace an existing key pair')
    .action((opts: { out?: string; force?: boolean }) => {
      const ctx = context();
      const loaded = ctx.config();
      const file = loaded.config.keys.privateKeyFile ?? '.verity/keys/signing.key.pem';
      const dir = opts.out ? resolve(ctx.options.cwd ?? process.cwd(), opts.out) : dirname(projectPath(loaded, file));
      const result = generateKeyPair({ dir, force: opts.force === true });
      ctx.print(result, (r: GeneratedKeyPair) => [`Created an Ed25519 key pair (keyid ${r.keyid})`, `  private ${r.privateKeyFile} (mode 0600; keep it secret)`, `  public  ${r.publicKeyFile}`].join('\n'));
    });
  keys
    .command('export-public')
    .description('print the public key (SPKI PEM) that verifies snapshots and tree heads')
    .action(() => {
      const ctx = context();
      const result = exportPublicKey(projectKeySource(ctx.config()));
      ctx.print(result, (r: { publicKeyPem: string }) => r.publicKeyPem);
    });
}
