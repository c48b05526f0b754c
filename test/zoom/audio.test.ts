import { describe, expect, it } from 'vitest';
import { audioFormatOf, describeHead } from '../../src/zoom/audio.js';

// Pure logic: what the first bytes of a body say it is. The headers are written out by hand from
// the formats' specifications (ID3v2, the MPEG audio frame header, ISO BMFF's ftyp box, RIFF/WAVE).

const bytes = (...parts: (number[] | string)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('audioFormatOf', () => {
  it('knows MP3 by its ID3 tag or by an MPEG frame header that exists', () => {
    expect(audioFormatOf(bytes('ID3', [4, 0, 0, 0, 0, 0, 0]))).toBe('mp3');
    // MPEG-1 Layer III 128 kbit/s 44.1 kHz; MPEG-2 Layer III 64 kbit/s 22.05 kHz; MPEG-2.5.
    for (const frame of [[0xff, 0xfb, 0x90, 0x64], [0xff, 0xf3, 0x80, 0xc4], [0xff, 0xe3, 0x18, 0xc4]]) expect(audioFormatOf(Buffer.from(frame)), frame.join(' ')).toBe('mp3');
  });

  it('refuses a frame sync whose version, layer, bit rate or sample rate is reserved', () => {
    expect(audioFormatOf(Buffer.from([0xff, 0xeb, 0x90, 0x64]))).toBeUndefined(); // version 01
    expect(audioFormatOf(Buffer.from([0xff, 0xf9, 0x90, 0x64]))).toBeUndefined(); // layer 00
    expect(audioFormatOf(Buffer.from([0xff, 0xfb, 0xf0, 0x64]))).toBeUndefined(); // bit rate 1111
    expect(audioFormatOf(Buffer.from([0xff, 0xfb, 0x9c, 0x64]))).toBeUndefined(); // sample rate 11
    expect(audioFormatOf(Buffer.from([0xff, 0xd0, 0x90, 0x64]))).toBeUndefined(); // 10 sync bits only
    expect(audioFormatOf(Buffer.from([0xff, 0xfb, 0x90]))).toBeUndefined(); // cut short
  });

  it('knows M4A/MP4 by ftyp at byte 4 and WAV by RIFF…WAVE', () => {
    expect(audioFormatOf(bytes([0, 0, 0, 0x18], 'ftypM4A ', [0, 0, 0, 0]))).toBe('mp4');
    expect(audioFormatOf(bytes([0, 0, 0, 0x20], 'ftypisom'))).toBe('mp4');
    expect(audioFormatOf(bytes('RIFF', [0x24, 0x08, 0, 0], 'WAVE'))).toBe('wav');
    expect(audioFormatOf(bytes('RIFF', [0x24, 0x08, 0, 0], 'AVI '))).toBeUndefined();
  });

  it('refuses what Zoom sends when it will not serve a recording, and nothing at all', () => {
    for (const refusal of ['{"code":3301,"message":"File does not exist."}', '<!DOCTYPE html><html>', '', 'ID']) {
      expect(audioFormatOf(Buffer.from(refusal)), JSON.stringify(refusal)).toBeUndefined();
    }
  });
});

describe('describeHead', () => {
  it('shows the first twelve bytes in hex and as text', () => {
    expect(describeHead(Buffer.from('{"code":3301,"message":"x"}'))).toBe('7b 22 63 6f 64 65 22 3a 33 33 30 31 ("{"code":3301")');
    expect(describeHead(Buffer.from([0, 1, 0x41]))).toBe('00 01 41 ("..A")');
  });
});
