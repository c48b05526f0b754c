import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CsvDropGoneError, CsvTooLargeError, LocalDropFolder, S3DropFolder, type DropFolder,
} from '../../src/recovery/drop-folder.js';
import { createTestBucket } from '../harness/index.js';

// The same behaviour from both drop folders, on a real disk and a real S3 server.

interface Setup {
  folder: DropFolder;
  /** The bytes at a path relative to the root, or null when there is nothing there. */
  raw(path: string): Promise<Buffer | null>;
  cleanup(): Promise<void>;
}

async function localSetup(): Promise<Setup> {
  const root = mkdtempSync(join(tmpdir(), 'drop-folder-'));
  return {
    folder: new LocalDropFolder(root),
    raw: (path) => readFile(join(root, path)).catch(() => null),
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  };
}

async function s3Setup(): Promise<Setup> {
  const { client, bucket, drop } = await createTestBucket();
  const prefix = 'recovery'; // without its slash: the folder adds it
  return {
    folder: new S3DropFolder({ client, bucket, prefix }),
    raw: async (path) => {
      try {
        const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/${path}` }));
        const chunks: Buffer[] = [];
        for await (const chunk of Body as Readable) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      } catch {
        return null;
      }
    },
    cleanup: drop,
  };
}

describe.each([
  { kind: 'LocalDropFolder', setup: localSetup },
  { kind: 'S3DropFolder', setup: s3Setup },
])('$kind', ({ kind, setup }) => {
  let s: Setup;
  let folder: DropFolder;
  beforeAll(async () => {
    s = await setup();
    folder = s.folder;
  });
  afterAll(async () => s?.cleanup());

  it('names its location without credentials', () => {
    expect(folder.location).toMatch(kind === 'S3DropFolder' ? /^s3:\/\/za-test-[0-9a-f]+\/recovery\/$/ : /drop-folder-/);
  });

  it('lists nothing for an absent folder', async () => {
    expect(await folder.listWaiting('nobody')).toEqual([]);
  });

  it('lists only the .csv files waiting at the top level, sorted by name', async () => {
    await folder.put('t-list', 'b.csv', 'uuid\n');
    await folder.put('t-list', 'A.CSV', Buffer.from('123456789\n'));
    await folder.put('t-list', 'notes.txt', 'not a csv');
    await folder.put('t-list', 'old.csv', 'x');
    await folder.moveToProcessed('t-list', 'old.csv', 'old-1.csv');
    const listed = await folder.listWaiting('t-list');
    expect(listed.map((d) => [d.name, d.size])).toEqual([['A.CSV', 10], ['b.csv', 5]]);
    for (const drop of listed) expect(drop.modifiedAt).toBeInstanceOf(Date);
  });

  it('reads the bytes, refuses a file over maxBytes and says when the file is gone', async () => {
    const body = Buffer.from('meeting id\n812 3456 7890\n');
    await folder.put('t-read', 'ids.csv', body);
    expect(await folder.read('t-read', 'ids.csv', 1024)).toEqual(body);
    expect(await folder.read('t-read', 'ids.csv', body.length)).toEqual(body);
    const tooLarge = await folder.read('t-read', 'ids.csv', 10).catch((err: unknown) => err);
    expect(tooLarge).toBeInstanceOf(CsvTooLargeError);
    expect(tooLarge).toMatchObject({ size: body.length, maxBytes: 10 });
    await expect(folder.read('t-read', 'missing.csv', 1024)).rejects.toBeInstanceOf(CsvDropGoneError);
  });

  it('moves a file to processed/, and a retried move is a no-op success', async () => {
    await folder.put('t-move', 'done me.csv', 'abc');
    await folder.moveToProcessed('t-move', 'done me.csv', '2024-01-01 done me.csv');
    await folder.moveToProcessed('t-move', 'done me.csv', '2024-01-01 done me.csv');
    expect(await s.raw('t-move/csv/processed/2024-01-01 done me.csv')).toEqual(Buffer.from('abc'));
    expect(await s.raw('t-move/csv/done me.csv')).toBeNull();
    expect(await folder.listWaiting('t-move')).toEqual([]);
    await expect(folder.moveToProcessed('t-move', 'never.csv', 'never.csv')).rejects.toBeInstanceOf(CsvDropGoneError);
  });

  it('rejects a file with its errors beside it, and a retried reject succeeds', async () => {
    await folder.put('t-reject', 'bad.csv', 'nope');
    await folder.reject('t-reject', 'bad.csv', 'line 1: "nope" is not a meeting — é\n');
    await folder.reject('t-reject', 'bad.csv', 'line 1: "nope" is not a meeting — é\n');
    expect((await s.raw('t-reject/csv/rejected/bad.csv.errors.txt'))?.toString('utf8')).toBe('line 1: "nope" is not a meeting — é\n');
    expect(await s.raw('t-reject/csv/rejected/bad.csv')).toEqual(Buffer.from('nope'));
    expect(await folder.listWaiting('t-reject')).toEqual([]);
  });

  it('refuses tenant ids and names that could leave the folder', async () => {
    for (const bad of ['../x.csv', 'a/b.csv', 'a\\b.csv', '..', '.hidden.csv', 'a\0.csv', '', 'x..csv']) {
      await expect(folder.put('t-safe', bad, 'x'), bad).rejects.toThrow(/invalid file name/);
      await expect(folder.read('t-safe', bad, 10), bad).rejects.toThrow(/invalid file name/);
      await expect(folder.reject('t-safe', bad, 'x'), bad).rejects.toThrow(/invalid file name/);
    }
    await folder.put('t-safe', 'ok.csv', 'x');
    await expect(folder.moveToProcessed('t-safe', 'ok.csv', '../escape.csv')).rejects.toThrow(/invalid new file name/);
    for (const bad of ['..', '../t', 't/u', '.t', 't\\u', '']) {
      await expect(folder.listWaiting(bad), bad).rejects.toThrow(/invalid tenant id/);
      await expect(folder.put(bad, 'ok.csv', 'x'), bad).rejects.toThrow(/invalid tenant id/);
    }
    expect(await s.raw('t-safe/csv/ok.csv')).toEqual(Buffer.from('x'));
  });
});
