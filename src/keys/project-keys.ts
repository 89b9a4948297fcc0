import type { LoadedConfig } from '../config/config.js';
import { loadSigner, loadVerifier, type KeySourceOptions } from './key-files.js';
import type { Signer, Verifier } from './signer.js';

/** The key source of a project: its `keys` config section rooted at the project. */
export function projectKeySource(loaded: LoadedConfig, env?: Record<string, string | undefined>): KeySourceOptions {
  const k = loaded.config.keys;
  return {
    root: loaded.root,
    ...(k.privateKeyFile ? { privateKeyFile: k.privateKeyFile } : {}),
    ...(k.privateKeyEnv ? { privateKeyEnv: k.privateKeyEnv } : {}),
    ...(k.publicKeyFile ? { publicKeyFile: k.publicKeyFile } : {}),
    ...(env ? { env } : {}),
  };
}

/** The project's signer. @throws VerityError NOT_FOUND with how to create a key. */
export function projectSigner(loaded: LoadedConfig): Signer {
  return loadSigner(projectKeySource(loaded));
}

/** The project's verifier (public key file, else derived from the private key). */
export function projectVerifier(loaded: LoadedConfig): Verifier {
  return loadVerifier(projectKeySource(loaded));
}

/** The signer when one is configured and present, else undefined (for jobs that sign when they can). */
export function tryProjectSigner(loaded: LoadedConfig): Signer | undefined {
  try {
    return projectSigner(loaded);
  } catch (error) {
    if ((error as { code?: string }).code === 'NOT_FOUND') return undefined;
    throw error;
  }
}
