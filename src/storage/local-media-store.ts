import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, link, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { compareWithStored, digestStream, DigestingStream } from './digest.js';
import { assertValidKey, InvalidStorageKeyError } from './keys.js';
import { MediaConflictError, MediaNotFoundError, MediaStoreUnavailableError, type MediaStore, type ObjectInfo, type PutOptions, type StoredObject } from './media-store.js';

// A folder as media store (the embedded default). Each object is written to a hidden temporary
// file beside its final name, fsynced, then hard-linked into place: link() fails when the name
// exists, so a key is never overwritten even by two writers at once, and a reader only ever sees
// a complete file. The SHA-256 is kept in a hidden sidecar (.<name>.sha256) as a cache; the file's
// bytes stay the truth, so a missing sidecar (a crash right after the link) is recomputed.

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class LocalMediaStore implements MediaStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get location(): string {
    return `folder ${this.root}`;
  }

  async checkWritable(options: { create?: boolean } = {}): Promise<void> {
    try {
      if (options.create) await mkdir(this.root, { recursive: true });
      await access(this.root, constants.W_OK);
    } catch (err) {
      throw new MediaStoreUnavailableError(`media folder ${this.root} is not writable: ${(err as Error).message}`, { cause: err });
    }
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    const path = resolve(this.root, key);
    // assertValidKey already rules out '..'; this guards the folder if the key rules ever loosen.
    if (!path.startsWith(this.root + sep)) throw new InvalidStorageKeyError(`storage key '${key}' leaves ${this.root}`);
    return path;
  }

  private sidecarOf(path: string): string {
    return join(dirname(path), `.${basename(path)}.sha256`);
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    const path = this.pathOf(key);
    const stored = await this.head(key);
    if (stored) return { key, ...(await compareWithStored(key, body, stored, options)), alreadyStored: true };

    await mkdir(dirname(path), { recursive: true });
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const digest = new DigestingStream(key, options.expectedSize);
      await pipeline(body, digest, createWriteStream(temp, { flags: 'wx' }));
      const info = digest.verified(options);
      await fsyncPath(temp);
      try {
        await link(temp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // Another writer stored this key meanwhile: same rule as if it had been there first.
        const winner = (await this.head(key))!;
        if (winner.sha256 !== info.sha256) throw new MediaConflictError(key, winner.sha256, info.sha256);
        return { key, ...winner, alreadyStored: true };
      }
      await this.writeSidecar(path, info.sha256);
      await fsyncPath(dirname(path));
      return { key, ...info, alreadyStored: false };
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  private async writeSidecar(path: string, sha256: string): Promise<void> {
    const sidecar = this.sidecarOf(path);
    const temp = `${sidecar}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, `${sha256}\n`, { flag: 'wx' });
    await rename(temp, sidecar);
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const path = this.pathOf(key);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    const cached = await readFile(this.sidecarOf(path), 'utf8').then((s) => s.trim(), (err: unknown) => {
      if (isMissing(err)) return undefined;
      throw err;
    });
    if (cached) return { size, sha256: cached };
    const digest = await digestStream(key, createReadStream(path));
    const sha256 = digest.verified({}).sha256;
    await this.writeSidecar(path, sha256);
    return { size, sha256 };
  }

  async get(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    const handle = await open(path, 'r').catch((err: unknown) => {
      throw isMissing(err) ? new MediaNotFoundError(key) : err;
    });
    return handle.createReadStream();
  }
}
