import { createHash } from 'node:crypto';
import { createSHA256 } from 'hash-wasm';

// Two SHA-256s. Node's (OpenSSL, SHA-NI) is about six times faster but cannot export its state;
// hash-wasm's can save its state (116 bytes) and load it in another process, which a put resumed
// on another worker needs. A put uses the resumable one only when its caller asks for checkpoints.

export interface Sha256 {
  update(data: Uint8Array): void;
  /** Hex digest; the hash cannot be used afterwards. */
  digest(): string;
}

export interface ResumableSha256 extends Sha256 {
  /** The state after the bytes so far, base64: what `resumableSha256(state)` continues from. */
  save(): string;
}

export function nativeSha256(): Sha256 {
  const hash = createHash('sha256');
  return { update: (data) => void hash.update(data), digest: () => hash.digest('hex') };
}

/** Rejects when `state` is not one this build of hash-wasm saved. */
export async function resumableSha256(state?: string): Promise<ResumableSha256> {
  const hash = await createSHA256();
  hash.init();
  if (state !== undefined) hash.load(Buffer.from(state, 'base64'));
  return {
    update: (data) => void hash.update(data),
    digest: () => hash.digest('hex'),
    save: () => Buffer.from(hash.save()).toString('base64'),
  };
}
