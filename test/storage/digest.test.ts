import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bodyOpener, checkNotLonger, compareWithStored, digestStream, verified, type BodyOpener } from '../../src/storage/digest.js';
import { MediaConflictError, MediaIntegrityError, type ObjectInfo, type PutCheckpoint } from '../../src/storage/media-store.js';

// What both media stores check of a body (unit, no store): size and SHA-256 against the caller's
// expectations, a plain stream read once, and a put under a key that is already stored. The
// digests are the published SHA-256 test vectors (FIPS 180-2), written out.

const SHA_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA_EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** SHA-256 of "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" (FIPS 180-2, example 2). */
const SHA_448 = '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1';
const TEXT_448 = 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq';

const streamOf = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c)));

/** A body that counts how often it is opened; a test that must not read it checks the count. */
function countingOpener(...chunks: string[]): BodyOpener & { opened: () => number } {
  let opened = 0;
  return {
    open: async () => {
      opened += 1;
      return streamOf(...chunks);
    },
    release: () => undefined,
    opened: () => opened,
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('a body against its expected size and SHA-256', () => {
  it('checkNotLonger refuses a body only once it is longer than the expected size, and never without one', () => {
    expect(() => checkNotLonger('k', 3, 3)).not.toThrow();
    expect(() => checkNotLonger('k', 4, 3)).toThrow(new MediaIntegrityError('k', "body of 'k' is longer than the expected 3 bytes"));
    expect(() => checkNotLonger('k', 4, 3)).toThrow(MediaIntegrityError);
    expect(() => checkNotLonger('k', Number.MAX_SAFE_INTEGER, undefined)).not.toThrow();
  });

  it('verified answers the size and digest when they match, in either case of hex', () => {
    expect(verified('k', 3, SHA_ABC, { expectedSize: 3, expectedSha256: SHA_ABC.toUpperCase() })).toEqual({ size: 3, sha256: SHA_ABC });
    expect(verified('k', 7, SHA_EMPTY, {})).toEqual({ size: 7, sha256: SHA_EMPTY });
  });

  it('verified refuses a body that ended early or has another digest, saying which', () => {
    const short = (() => {
      try {
        verified('a/b.mp4', 2, SHA_ABC, { expectedSize: 3 });
      } catch (err) {
        return err;
      }
    })();
    expect(short).toBeInstanceOf(MediaIntegrityError);
    expect((short as Error).message).toBe("body of 'a/b.mp4' ended after 2 of the expected 3 bytes");
    expect((short as MediaIntegrityError).key).toBe('a/b.mp4');
    expect(() => verified('k', 3, SHA_ABC, { expectedSha256: SHA_EMPTY }))
      .toThrow(new MediaIntegrityError('k', `body of 'k' has SHA-256 ${SHA_ABC}, expected ${SHA_EMPTY}`));
    expect(() => verified('k', 3, SHA_ABC, { expectedSha256: SHA_EMPTY })).toThrow(MediaIntegrityError);
  });

  it('digestStream: size and SHA-256 of the whole stream, whatever its chunks', async () => {
    expect(await digestStream('k', streamOf('a', 'bc'))).toEqual({ size: 3, sha256: SHA_ABC });
    expect(await digestStream('k', streamOf(TEXT_448.slice(0, 20), TEXT_448.slice(20)), 56)).toEqual({ size: 56, sha256: SHA_448 });
    expect(await digestStream('k', streamOf())).toEqual({ size: 0, sha256: SHA_EMPTY });
  });

  it('digestStream stops at the first chunk past the expected size, without reading on', async () => {
    let pulled = 0;
    const body = Readable.from((function* () {
      for (const chunk of ['ab', 'c', 'd', 'e']) {
        pulled += 1;
        yield Buffer.from(chunk);
      }
    })());
    const err = await rejection(digestStream('k', body, 2));
    expect(err).toBeInstanceOf(MediaIntegrityError);
    expect(err.message).toBe("body of 'k' is longer than the expected 2 bytes");
    expect(pulled).toBe(2);
  });
});

describe('bodyOpener', () => {
  const checkpoint: PutCheckpoint = { key: 'k', bytes: 64, sha256State: 'c3RhdGU=', partialFile: 'k.part' };

  it('hands an OpenBody through as it is', async () => {
    const open = async () => streamOf('x');
    const opener = bodyOpener(open, { resumeFrom: checkpoint });
    expect(opener.open).toBe(open);
    expect(opener.release()).toBeUndefined();
  });

  it('refuses to resume with a plain stream', () => {
    expect(() => bodyOpener(streamOf('x'), { resumeFrom: checkpoint }))
      .toThrow(new TypeError('resuming a put needs a body that opens at an offset (an OpenBody), not a stream'));
  });

  it('opens a plain stream once, from byte 0 only', async () => {
    const body = streamOf('abc');
    const once = bodyOpener(body, {});
    expect(await once.open(0)).toBe(body);
    await expect(once.open(0)).rejects.toThrow(new TypeError('a stream body can only be read once, from byte 0 (asked for byte 0)'));
    const later = bodyOpener(streamOf('abc'), {});
    await expect(later.open(5)).rejects.toThrow(new TypeError('a stream body can only be read once, from byte 0 (asked for byte 5)'));
    await expect(later.open(0)).resolves.toBeInstanceOf(Readable);
  });

  it('release destroys a stream never opened, and leaves an opened one to its reader', async () => {
    const unread = streamOf('abc');
    bodyOpener(unread, {}).release();
    expect(unread.destroyed).toBe(true);
    const read = streamOf('abc');
    const opener = bodyOpener(read, {});
    await opener.open(0);
    opener.release();
    expect(read.destroyed).toBe(false);
  });
});

describe('a put under a key already stored (compareWithStored)', () => {
  const stored: ObjectInfo = { size: 3, sha256: SHA_ABC };

  it('the caller\'s expected SHA-256 equal to the stored one answers without reading the body', async () => {
    const body = countingOpener('never read');
    expect(await compareWithStored('k', body, stored, { expectedSha256: SHA_ABC.toUpperCase(), expectedSize: 3 })).toBe(stored);
    expect(body.opened()).toBe(0);
  });

  it('the same bytes, with no expectation or a matching one, are a no-op answering what is stored', async () => {
    const plain = countingOpener('a', 'bc');
    expect(await compareWithStored('k', plain, stored, {})).toBe(stored);
    expect(plain.opened()).toBe(1);
    expect(await compareWithStored('k', countingOpener('abc'), stored, { expectedSize: 3 })).toBe(stored);
  });

  it('different bytes are a conflict naming both digests, also when the caller expected exactly those bytes', async () => {
    const other = await rejection(compareWithStored('k', countingOpener(TEXT_448), stored, { expectedSha256: SHA_448, expectedSize: 56 }));
    expect(other).toBeInstanceOf(MediaConflictError);
    expect(other).toMatchObject({ key: 'k', storedSha256: SHA_ABC, incomingSha256: SHA_448 });
    const unexpected = await rejection(compareWithStored('k', countingOpener(''), stored, {}));
    expect(unexpected).toMatchObject({ name: 'MediaConflictError', storedSha256: SHA_ABC, incomingSha256: SHA_EMPTY });
  });

  it('different bytes of the same size are a conflict', async () => {
    const err = await rejection(compareWithStored('k', countingOpener('abd'), stored, { expectedSize: 3 }));
    expect(err).toBeInstanceOf(MediaConflictError);
    expect((err as MediaConflictError).storedSha256).toBe(SHA_ABC);
    expect((err as MediaConflictError).incomingSha256).toMatch(/^[0-9a-f]{64}$/);
    expect((err as MediaConflictError).incomingSha256).not.toBe(SHA_ABC);
  });

  it('the same digest with another recorded size is still a conflict', async () => {
    const err = await rejection(compareWithStored('k', countingOpener('abc'), { size: 4, sha256: SHA_ABC }, {}));
    expect(err).toBeInstanceOf(MediaConflictError);
  });

  it('a body that fails its own expectations is an integrity error, not a conflict', async () => {
    const longer = await rejection(compareWithStored('k', countingOpener('abcd'), stored, { expectedSize: 3 }));
    expect(longer).toBeInstanceOf(MediaIntegrityError);
    expect(longer.message).toBe("body of 'k' is longer than the expected 3 bytes");
    const wrong = await rejection(compareWithStored('k', countingOpener('abc'), stored, { expectedSha256: SHA_EMPTY }));
    expect(wrong).toBeInstanceOf(MediaIntegrityError);
    expect(wrong.message).toBe(`body of 'k' has SHA-256 ${SHA_ABC}, expected ${SHA_EMPTY}`);
  });
});
