import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, link, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { bodyOpener, checkNotLonger, compareWithStored, digestStream, verified, type BodyOpener } from './digest.js';
import { assertValidKey, InvalidStorageKeyError } from './keys.js';
import {
  MediaConflictError,
  MediaIntegrityError,
  MediaNotFoundError,
  MediaStoreUnavailableError,
  type MediaStore,
  type ObjectInfo,
  type OpenBody,
  type PutCheckpoint,
  type PutOptions,
  type StoredObject,
} from './media-store.js';
import { nativeSha256, resumableSha256, type ResumableSha256, type Sha256 } from './sha256.js';

// A folder as media store (the embedded default). Each object is written to a hidden temporary
// file beside its final name, fsynced, then hard-linked into place: link() fails when the name
// exists, so a key is never overwritten even by two writers at once, and a reader only ever sees
// a complete file. The SHA-256 is kept in a hidden sidecar (.<name>.sha256) as a cache; the file's
// bytes stay the truth, so a missing sidecar (a crash right after the link) is recomputed.
// A put that asks for checkpoints fsyncs its temporary file every `checkpointBytes` and keeps it
// when it fails, so that a later put truncates it to the checkpoint and appends the rest.

export interface LocalMediaStoreOptions {
  /** Bytes between checkpoints (each one an fsync); a multiple of 64, SHA-256's block. */
  checkpointBytes?: number;
}

const MiB = 1024 * 1024;

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Hidden temporary files of `path`: `.<name>.<12 hex>.tmp`, the only names a checkpoint may point at. */
const isTemporaryOf = (path: string, name: string) =>
  name.startsWith(`.${basename(path)}.`) && /^[0-9a-f]{12}\.tmp$/.test(name.slice(basename(path).length + 2));

interface Resumed {
  temp: string;
  bytes: number;
  hash: ResumableSha256;
}

export class LocalMediaStore implements MediaStore {
  readonly root: string;
  private readonly checkpointBytes: number;

  constructor(root: string, options: LocalMediaStoreOptions = {}) {
    this.root = resolve(root);
    this.checkpointBytes = options.checkpointBytes ?? 64 * MiB;
    if (this.checkpointBytes <= 0 || this.checkpointBytes % 64 !== 0) throw new RangeError(`checkpointBytes must be a positive multiple of 64, got ${this.checkpointBytes}`);
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

  async put(key: string, body: Readable | OpenBody, options: PutOptions = {}): Promise<StoredObject> {
    const path = this.pathOf(key);
    const opener = bodyOpener(body, options);
    try {
      const stored = await this.head(key);
      if (stored) {
        if (options.resumeFrom) await this.dropCheckpoint(options.resumeFrom);
        return { key, ...(await compareWithStored(key, opener, stored, options)), alreadyStored: true };
      }
      await mkdir(dirname(path), { recursive: true });
      return await this.write(key, path, opener, options, await this.resume(key, path, options));
    } finally {
      opener.release();
    }
  }

  private async write(key: string, path: string, opener: BodyOpener, options: PutOptions, resumed: Resumed | undefined): Promise<StoredObject> {
    const temp = resumed?.temp ?? join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    const { onCheckpoint, expectedSize } = options;
    const hash: Sha256 | ResumableSha256 = resumed?.hash ?? (onCheckpoint ? await resumableSha256() : nativeSha256());
    let durable = resumed?.bytes ?? 0;
    let keep = false;
    try {
      let bytes = durable;
      const handle = await open(temp, resumed ? 'r+' : 'wx');
      try {
        if (resumed) await handle.truncate(bytes);
        // A checkpoint at the body's very end: there is nothing left to ask the source for.
        const source = resumed && bytes === expectedSize ? Readable.from([]) : await opener.open(bytes);
        let nextCheckpoint = (Math.floor(bytes / this.checkpointBytes) + 1) * this.checkpointBytes;
        for await (const chunk of source as AsyncIterable<Buffer>) {
          checkNotLonger(key, bytes + chunk.length, expectedSize);
          // Cut at checkpoint marks, so that each checkpoint falls on a SHA-256 block boundary.
          for (let rest = chunk; rest.length > 0;) {
            const piece = onCheckpoint ? rest.subarray(0, nextCheckpoint - bytes) : rest;
            rest = rest.subarray(piece.length);
            await handle.write(piece, 0, piece.length, bytes);
            hash.update(piece);
            bytes += piece.length;
            if (onCheckpoint && bytes === nextCheckpoint) {
              await handle.sync();
              durable = bytes;
              nextCheckpoint += this.checkpointBytes;
              onCheckpoint({ key, bytes, ...(expectedSize !== undefined ? { size: expectedSize } : {}), sha256State: (hash as ResumableSha256).save(), partialFile: basename(temp) });
            }
          }
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      const info = verified(key, bytes, hash.digest(), options);
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
    } catch (err) {
      // A broken body leaves its checkpointed bytes for the put that resumes; bytes that proved wrong do not.
      keep = durable > 0 && !(err instanceof MediaIntegrityError) && !(err instanceof MediaConflictError);
      throw err;
    } finally {
      if (!keep) await unlink(temp).catch(() => undefined);
    }
  }

  /** The temporary file and hash a checkpoint describes, or undefined (its file removed) when it cannot be resumed. */
  private async resume(key: string, path: string, options: PutOptions): Promise<Resumed | undefined> {
    const checkpoint = options.resumeFrom;
    if (!checkpoint) return undefined;
    const { bytes, size, partialFile } = checkpoint;
    const usable = checkpoint.key === key && partialFile !== undefined && isTemporaryOf(path, partialFile)
      && Number.isSafeInteger(bytes) && bytes > 0 && bytes % 64 === 0
      && (options.expectedSize === undefined || ((size === undefined || size === options.expectedSize) && bytes <= options.expectedSize));
    if (usable) {
      const temp = join(dirname(path), partialFile);
      const held = await stat(temp).then((s) => s.size, () => -1);
      const hash = await resumableSha256(checkpoint.sha256State).catch(() => undefined);
      if (held >= bytes && hash) return { temp, bytes, hash };
    }
    await this.dropCheckpoint(checkpoint);
    return undefined;
  }

  /** Removes the temporary file a checkpoint points at, if it names one. */
  private async dropCheckpoint(checkpoint: PutCheckpoint): Promise<void> {
    let path: string;
    try {
      path = this.pathOf(checkpoint.key);
    } catch {
      return;
    }
    if (checkpoint.partialFile !== undefined && isTemporaryOf(path, checkpoint.partialFile)) {
      await unlink(join(dirname(path), checkpoint.partialFile)).catch(() => undefined);
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
    const { sha256 } = await digestStream(key, createReadStream(path));
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
