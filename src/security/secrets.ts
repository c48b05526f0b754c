import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Zoom client secrets and webhook secret tokens are sealed with AES-256-GCM before they reach the
// database, so a database dump or backup alone does not hand out a tenant's Zoom account.
// Format: v1:<iv>:<tag>:<ciphertext>, each base64; the version leaves room to rotate the scheme.

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

export class SecretUnreadableError extends Error {
  override name = 'SecretUnreadableError';
}

export interface SecretBox {
  /**
   * `context` is bound into the ciphertext (GCM additional data), so a sealed value copied to
   * another tenant's row or column does not open there.
   */
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

/** A box over a 32-byte key given as base64 (ARCHIVER_SECRET_KEY). */
export function createSecretBox(keyBase64: string | undefined, origin = 'ARCHIVER_SECRET_KEY'): SecretBox {
  if (!keyBase64) throw new SecretKeyError(`${origin} is not set: give 32 random bytes as base64 (openssl rand -base64 32)`);
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretKeyError(`${origin} must be ${KEY_BYTES} bytes as base64, got ${key.length} bytes (openssl rand -base64 32)`);
  }
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
    },
    open(sealed, context) {
      const [version, iv, tag, ciphertext, ...rest] = sealed.split(':');
      if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined || rest.length > 0) {
        throw new SecretUnreadableError(`sealed secret for ${context} is not in the ${VERSION} format`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretUnreadableError(`sealed secret for ${context} does not open with the key from ${origin} (wrong key, or the value was tampered with)`);
      }
    },
  };
}

/**
 * The key from the environment, or for the embedded default a key generated once into
 * `<dataDir>/secret.key` (mode 0600) and reused on every start.
 */
export function loadSecretBox(options: { secretKey?: string; dataDir: string }): SecretBox {
  if (options.secretKey) return createSecretBox(options.secretKey);
  const path = join(options.dataDir, 'secret.key');
  let key: string;
  try {
    key = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(options.dataDir, { recursive: true });
    key = randomBytes(KEY_BYTES).toString('base64');
    // 'wx' fails if another process created the file meanwhile: then its key is the one to use.
    try {
      writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
    } catch (writeErr) {
      if ((writeErr as NodeJS.ErrnoException).code !== 'EEXIST') throw writeErr;
      key = readFileSync(path, 'utf8').trim();
    }
  }
  return createSecretBox(key, path);
}
