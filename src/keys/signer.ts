/**
 * The `Signer` interface: what snapshots and the audit log use to sign and verify bytes.
 *
 * Implementations hold the private key privately; nothing on this interface returns or prints it.
 */

/** Verifies signatures made by one key. */
export interface Verifier {
  /** A stable identifier of the key: hex SHA-256 of the raw public key for Ed25519. */
  readonly keyid: string;
  /** The signature algorithm, e.g. `ed25519`. */
  readonly algorithm: string;
  /** The public key as SPKI PEM. */
  readonly publicKeyPem: string;
  /** True when `signature` is a valid signature of `bytes` by this key. */
  verify(bytes: Uint8Array, signature: Uint8Array): boolean;
}

/** Signs bytes with one private key (and verifies with its public half). */
export interface Signer extends Verifier {
  /** Signs `bytes`; the result is the raw signature (64 bytes for Ed25519). */
  sign(bytes: Uint8Array): Uint8Array;
}
