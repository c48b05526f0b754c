import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import {
  CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client,
} from '@aws-sdk/client-s3';

// Where support drops CSV files of meetings to recover: <root>/<tenant>/csv/, with processed/ and
// rejected/ beside the waiting files. Every move is idempotent so a retried activity succeeds.

export interface CsvDrop { name: string; size: number; modifiedAt: Date }

export interface DropFolder {
  /** For logs: e.g. "/data/recovery" or "s3://bucket/prefix/" (never credentials). */
  readonly location: string;
  /** Files waiting directly in <root>/<tenant>/csv/ ending in .csv (any case), sorted by name; an absent folder is empty. */
  listWaiting(tenantId: string): Promise<CsvDrop[]>;
  /** The file's bytes; CsvTooLargeError (before reading it) above maxBytes, CsvDropGoneError when it no longer exists. */
  read(tenantId: string, name: string, maxBytes: number): Promise<Buffer>;
  /** Moves the waiting file to processed/<newName>; succeeds when that was already done. */
  moveToProcessed(tenantId: string, name: string, newName: string): Promise<void>;
  /** Writes rejected/<name>.errors.txt, then moves the file to rejected/<name>; succeeds when that was already done. */
  reject(tenantId: string, name: string, errorsText: string): Promise<void>;
  /** Writes a waiting file. */
  put(tenantId: string, name: string, body: Buffer | string): Promise<void>;
}

export class CsvTooLargeError extends Error {
  constructor(readonly file: string, readonly size: number, readonly maxBytes: number) {
    super(`CSV file '${file}' has ${size} bytes, more than the ${maxBytes} allowed`);
    this.name = 'CsvTooLargeError';
  }
}

export class CsvDropGoneError extends Error {
  constructor(readonly file: string) {
    super(`CSV file '${file}' no longer exists`);
    this.name = 'CsvDropGoneError';
  }
}

const CSV = /\.csv$/i;

/** Names come from support and the HTTP API: refuse anything that could leave the tenant's folder. */
function checkSegment(what: string, value: string): string {
  if (value === '' || /[/\\\0]/.test(value) || value.includes('..') || value.startsWith('.')) {
    throw new Error(`invalid ${what} ${JSON.stringify(value)}: it must not be empty, contain '/', '\\', '..' or NUL, or start with '.'`);
  }
  return value;
}

const isSafe = (name: string) => { try { checkSegment('name', name); return true; } catch { return false; } };
const byName = (a: CsvDrop, b: CsvDrop) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const errorsName = (name: string) => `${name}.errors.txt`;

export class LocalDropFolder implements DropFolder {
  readonly location: string;
  constructor(root: string) { this.location = resolve(root); }

  private dir(tenantId: string, ...sub: string[]): string {
    return join(this.location, checkSegment('tenant id', tenantId), 'csv', ...sub);
  }

  async listWaiting(tenantId: string): Promise<CsvDrop[]> {
    const dir = this.dir(tenantId);
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
    const drops: CsvDrop[] = [];
    for (const e of entries) {
      if (!e.isFile() || !CSV.test(e.name) || !isSafe(e.name)) continue;
      // Moved away between readdir and stat: no longer waiting.
      const s = await stat(join(dir, e.name)).catch(() => undefined);
      if (s) drops.push({ name: e.name, size: s.size, modifiedAt: s.mtime });
    }
    return drops.sort(byName);
  }

  async read(tenantId: string, name: string, maxBytes: number): Promise<Buffer> {
    const path = join(this.dir(tenantId), checkSegment('file name', name));
    const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new CsvDropGoneError(`${tenantId}/csv/${name}`) : err;
    });
    try {
      const { size } = await fh.stat();
      if (size > maxBytes) throw new CsvTooLargeError(name, size, maxBytes);
      const body = await fh.readFile();
      // Still being appended to: judge the bytes actually read.
      if (body.length > maxBytes) throw new CsvTooLargeError(name, body.length, maxBytes);
      return body;
    } finally {
      await fh.close();
    }
  }

  async moveToProcessed(tenantId: string, name: string, newName: string): Promise<void> {
    await this.move(tenantId, name, 'processed', checkSegment('new file name', newName));
  }

  async reject(tenantId: string, name: string, errorsText: string): Promise<void> {
    checkSegment('file name', name);
    await mkdir(this.dir(tenantId, 'rejected'), { recursive: true });
    await writeFile(this.dir(tenantId, 'rejected', errorsName(name)), errorsText, 'utf8');
    await this.move(tenantId, name, 'rejected', name);
  }

  async put(tenantId: string, name: string, body: Buffer | string): Promise<void> {
    const dir = this.dir(tenantId);
    checkSegment('file name', name);
    await mkdir(dir, { recursive: true });
    // Written under a dot name then renamed, so listWaiting never sees half a file.
    const temp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(temp, body);
      await rename(temp, join(dir, name));
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  }

  private async move(tenantId: string, name: string, sub: string, newName: string): Promise<void> {
    const from = join(this.dir(tenantId), checkSegment('file name', name));
    const to = this.dir(tenantId, sub, newName);
    await mkdir(this.dir(tenantId, sub), { recursive: true });
    try {
      await rename(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // A retried activity: the earlier attempt already moved it.
      if (!(await stat(to).then((s) => s.isFile(), () => false))) throw new CsvDropGoneError(`${tenantId}/csv/${name}`);
    }
  }
}

const isGone = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || (e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket');
};

export class S3DropFolder implements DropFolder {
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: { client: S3Client; bucket: string; prefix?: string }) {
    this.client = options.client;
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? '').replace(/^\/+/, '');
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.location = `s3://${this.bucket}/${this.prefix}`;
  }

  private key(tenantId: string, ...rest: string[]): string {
    return `${this.prefix}${checkSegment('tenant id', tenantId)}/csv/${rest.join('/')}`;
  }

  async listWaiting(tenantId: string): Promise<CsvDrop[]> {
    const prefix = this.key(tenantId);
    const drops: CsvDrop[] = [];
    let token: string | undefined;
    do {
      // Delimiter '/' keeps processed/ and rejected/ out (they come back as CommonPrefixes).
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const name = o.Key!.slice(prefix.length);
        if (CSV.test(name) && isSafe(name)) drops.push({ name, size: o.Size ?? 0, modifiedAt: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return drops.sort(byName);
  }

  async read(tenantId: string, name: string, maxBytes: number): Promise<Buffer> {
    const key = this.key(tenantId, checkSegment('file name', name));
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      if ((head.ContentLength ?? 0) > maxBytes) throw new CsvTooLargeError(name, head.ContentLength!, maxBytes);
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of Body as Readable) {
        size += (chunk as Buffer).length;
        // Replaced by a larger object since the HEAD: stop rather than hold it all.
        if (size > maxBytes) { (Body as Readable).destroy(); throw new CsvTooLargeError(name, size, maxBytes); }
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks);
    } catch (err) {
      throw isGone(err) ? new CsvDropGoneError(`${this.location}${tenantId}/csv/${name}`) : err;
    }
  }

  async moveToProcessed(tenantId: string, name: string, newName: string): Promise<void> {
    await this.move(tenantId, name, this.key(tenantId, 'processed', checkSegment('new file name', newName)));
  }

  async reject(tenantId: string, name: string, errorsText: string): Promise<void> {
    checkSegment('file name', name);
    await this.client.send(new PutObjectCommand({
      Bucket: this.bucket, Key: this.key(tenantId, 'rejected', errorsName(name)), Body: errorsText, ContentType: 'text/plain; charset=utf-8',
    }));
    await this.move(tenantId, name, this.key(tenantId, 'rejected', name));
  }

  async put(tenantId: string, name: string, body: Buffer | string): Promise<void> {
    await this.client.send(new PutObjectCommand({
      Bucket: this.bucket, Key: this.key(tenantId, checkSegment('file name', name)), Body: body, ContentType: 'text/csv',
    }));
  }

  /** S3 has no rename: copy, then delete the original; a retry after either step still succeeds. */
  private async move(tenantId: string, name: string, to: string): Promise<void> {
    const from = this.key(tenantId, checkSegment('file name', name));
    // CopySource is a URL path: each segment encoded, the slashes kept.
    const copySource = [this.bucket, ...from.split('/')].map(encodeURIComponent).join('/');
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: copySource }));
    } catch (err) {
      if (!isGone(err)) throw err;
      // A retried activity: the earlier attempt already copied and deleted it.
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: to })).catch((e: unknown) => {
        throw isGone(e) ? new CsvDropGoneError(`${this.location}${tenantId}/csv/${name}`) : e;
      });
      return;
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: from }));
  }
}
