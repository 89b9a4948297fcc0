import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VerityError } from '../errors.js';
import { createEd25519Signer, createEd25519Verifier } from './ed25519-signer.js';
import type { Signer, Verifier } from './signer.js';

/** Where keys come from: the `keys` section of the config, resolved against a root directory. */
export interface KeySourceOptions {
  /** PEM file holding the PKCS#8 private key. */
  privateKeyFile?: string;
  /** Name of an environment variable holding the PEM private key (takes precedence over the file). */
  privateKeyEnv?: string;
  /** PEM file holding the SPKI public key. */
  publicKeyFile?: string;
  /** Directory relative paths resolve against (the project root). */
  root?: string;
  /** Environment to read `privateKeyEnv` from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** What {@link generateKeyPair} wrote. */
export interface GeneratedKeyPair {
  keyid: string;
  privateKeyFile: string;
  publicKeyFile: string;
}

/** Options for {@link generateKeyPair}. */
export interface GenerateKeyPairOptions {
  /** Directory to write into (created if absent). */
  dir: string;
  /** File name of the private key (default `signing.key.pem`). */
  privateName?: string;
  /** File name of the public key (default `signing.pub.pem`). */
  publicName?: string;
  /** Overwrite an existing pair (default false: refuse). */
  force?: boolean;
}

/**
 * Creates an Ed25519 key pair: the private key as PKCS#8 PEM with mode 0600, the public key as SPKI
 * PEM (0644). Refuses to overwrite an existing private key unless `force`.
 * @example generateKeyPair({ dir: '.verity/keys' })
 */
export function generateKeyPair(options: GenerateKeyPairOptions): GeneratedKeyPair {
  const dir = resolve(options.dir);
  const privateKeyFile = join(dir, options.privateName ?? 'signing.key.pem');
  const publicKeyFile = join(dir, options.publicName ?? 'signing.pub.pem');
  if (existsSync(privateKeyFile) && !options.force)
    throw new VerityError('CONFLICT', `A private key already exists at ${privateKeyFile}; refusing to overwrite it. Pass --force to replace it (signatures made with the old key will no longer verify with the new public key).`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  writeFileSync(privateKeyFile, privateKey, { mode: 0o600 });
  chmodSync(privateKeyFile, 0o600); // mode is ignored when the file already existed (--force)
  writeFileSync(publicKeyFile, publicKey, { mode: 0o644 });
  return { keyid: createEd25519Verifier(publicKey).keyid, privateKeyFile, publicKeyFile };
}

/**
 * Loads the signing key: from the environment variable `privateKeyEnv` when set and present,
 * else from `privateKeyFile`. Errors name the source, never the key.
 * @throws VerityError NOT_FOUND when no key is configured or the file is absent.
 */
export function loadSigner(options: KeySourceOptions): Signer {
  const env = options.env ?? process.env;
  if (options.privateKeyEnv && env[options.privateKeyEnv]) {
    return createEd25519Signer(env[options.privateKeyEnv]!.replace(/\\n/g, '\n'), `environment variable ${options.privateKeyEnv}`);
  }
  if (!options.privateKeyFile) {
    throw new VerityError('NOT_FOUND', `No signing key configured${options.privateKeyEnv ? ` (environment variable ${options.privateKeyEnv} is not set)` : ''}. Run \`verity keys generate\` or set keys.privateKeyFile / keys.privateKeyEnv in verity.config.yaml.`);
  }
  const file = resolve(options.root ?? '.', options.privateKeyFile);
  if (!existsSync(file)) throw new VerityError('NOT_FOUND', `Signing key ${file} does not exist. Run \`verity keys generate\` to create it.`);
  if (statSync(file).size > 64 * 1024) throw new VerityError('INVALID_ARGUMENT', `Signing key ${file} is larger than 64 KiB; it is not a PEM key.`);
  return createEd25519Signer(readFileSync(file), `file ${file}`);
}

/**
 * Loads a verifier: from `publicKeyFile` when it exists, else derived from the private key.
 * @throws VerityError NOT_FOUND when neither is available.
 */
export function loadVerifier(options: KeySourceOptions): Verifier {
  if (options.publicKeyFile) {
    const file = resolve(options.root ?? '.', options.publicKeyFile);
    if (existsSync(file)) return createEd25519Verifier(readFileSync(file), `file ${file}`);
  }
  const signer = loadSigner(options);
  return createEd25519Verifier(signer.publicKeyPem);
}

/** The SPKI PEM of the configured key (for `verity keys export-public`). */
export function exportPublicKey(options: KeySourceOptions): { keyid: string; publicKeyPem: string } {
  const verifier = loadVerifier(options);
  return { keyid: verifier.keyid, publicKeyPem: verifier.publicKeyPem };
}
