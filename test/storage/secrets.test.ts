import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSecretBox, loadSecretBox, SecretKeyError, SecretUnreadableError } from '../../src/security/secrets.js';

const key = () => randomBytes(32).toString('base64');

describe('secret box (AES-256-GCM)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('seals to a versioned format that hides the clear text and opens it again', () => {
    const box = createSecretBox(key());
    const sealed = box.seal('s3cr3t-client', 'tenant:acme:client_secret');
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain('s3cr3t');
    expect(box.seal('s3cr3t-client', 'tenant:acme:client_secret')).not.toBe(sealed);
    expect(box.open(sealed, 'tenant:acme:client_secret')).toBe('s3cr3t-client');
  });

  it('refuses another key, another context and a tampered value', () => {
    const box = createSecretBox(key());
    const sealed = box.seal('token', 'tenant:acme:webhook_secret_token');
    expect(() => createSecretBox(key()).open(sealed, 'tenant:acme:webhook_secret_token')).toThrow(SecretUnreadableError);
    expect(() => box.open(sealed, 'tenant:other:webhook_secret_token')).toThrow(SecretUnreadableError);
    const parts = sealed.split(':');
    const tampered = [...parts.slice(0, 3), Buffer.from('tokem').toString('base64')].join(':');
    expect(() => box.open(tampered, 'tenant:acme:webhook_secret_token')).toThrow(SecretUnreadableError);
    expect(() => box.open('clear text', 'tenant:acme:webhook_secret_token')).toThrow(/v1 format/);
  });

  it('explains a missing or short key', () => {
    expect(() => createSecretBox(undefined)).toThrow(SecretKeyError);
    expect(() => createSecretBox(randomBytes(16).toString('base64'))).toThrow(/must be 32 bytes as base64, got 16 bytes/);
  });

  it('generates a key once into the data folder with mode 0600 when the environment has none', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'za-secrets-'));
    dirs.push(dataDir);
    const sealed = loadSecretBox({ dataDir }).seal('kept', 'ctx');
    const file = join(dataDir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(loadSecretBox({ dataDir }).open(sealed, 'ctx')).toBe('kept');
  });

  it('prefers the key from the environment', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'za-secrets-'));
    dirs.push(dataDir);
    const envKey = key();
    const sealed = loadSecretBox({ secretKey: envKey, dataDir }).seal('v', 'ctx');
    expect(createSecretBox(envKey).open(sealed, 'ctx')).toBe('v');
    expect(() => statSync(join(dataDir, 'secret.key'))).toThrow();
  });
});
