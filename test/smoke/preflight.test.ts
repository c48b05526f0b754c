import { describe, expect, it } from 'vitest';
import { checkPostgres, checkS3, checkTemporal, redactUrl } from '../../src/local/preflight.js';
import { freePort } from '../../src/local/s3-server.js';

// A stopped server must fail the harness fast with a message naming it, never hang a run.
// The bound, 15 s, is three times the checks' own 5 s timeout (src/local/preflight.ts): a refused
// port fails at once, a timeout after 5 s; only a check that waits on no timeout can reach 15 s.
describe('preflight checks against a stopped server', () => {
  it('names Temporal and fails within seconds', async () => {
    const port = await freePort();
    const started = Date.now();
    await expect(checkTemporal(`127.0.0.1:${port}`, 'default')).rejects.toThrow(`Temporal server at 127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('names PostgreSQL, hides the password and fails within seconds', async () => {
    const port = await freePort();
    const started = Date.now();
    const failure = checkPostgres(`postgres://u:secret@127.0.0.1:${port}/db`);
    await expect(failure).rejects.toThrow(`PostgreSQL at postgres://u:***@127.0.0.1:${port}/db is not usable`);
    await expect(failure).rejects.not.toThrow('secret');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('names the S3 server and fails within seconds', async () => {
    const port = await freePort();
    const started = Date.now();
    await expect(checkS3({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 'b', forcePathStyle: true }))
      .rejects.toThrow(`S3 server at http://127.0.0.1:${port} is not usable`);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('redacts passwords from URLs', () => {
    expect(redactUrl('postgres://user:pw@host:5432/db')).toBe('postgres://user:***@host:5432/db');
    expect(redactUrl('postgres://host/db')).toBe('postgres://host/db');
  });
});
