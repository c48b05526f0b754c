// Zoom lists phone recordings without a size or a format, and may answer a download with 200 and
// something else than the recording (an HTML page, its error JSON, nothing). The first bytes say
// whether a body is audio: recordings download as MP3 in practice, and M4A or WAV are accepted too.

/** Bytes enough to recognise every accepted format (WAV's `RIFF....WAVE`). */
export const AUDIO_SNIFF_BYTES = 12;

export type AudioFormat = 'mp3' | 'mp4' | 'wav';

/** An MPEG audio frame header: 11 sync bits, then a version, layer, bit rate and sample rate that exist. */
function mpegFrameAt(head: Buffer, at: number): boolean {
  if (head.length < at + 4 || head[at] !== 0xff || (head[at + 1]! & 0xe0) !== 0xe0) return false;
  const version = (head[at + 1]! >> 3) & 3;
  const layer = (head[at + 1]! >> 1) & 3;
  const bitrate = head[at + 2]! >> 4;
  const sampleRate = (head[at + 2]! >> 2) & 3;
  return version !== 1 && layer !== 0 && bitrate !== 0xf && sampleRate !== 3;
}

const ascii = (head: Buffer, at: number, text: string) => head.length >= at + text.length && head.toString('latin1', at, at + text.length) === text;

/** The audio format the first bytes of a body announce, or undefined when they are not audio we know. */
export function audioFormatOf(head: Buffer): AudioFormat | undefined {
  if (ascii(head, 0, 'ID3') || mpegFrameAt(head, 0)) return 'mp3';
  if (ascii(head, 4, 'ftyp')) return 'mp4';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WAVE')) return 'wav';
  return undefined;
}

/** The first bytes as a person reads them in an error: hex, and the printable text if any. */
export function describeHead(head: Buffer): string {
  const first = head.subarray(0, AUDIO_SNIFF_BYTES);
  const hex = [...first].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const printable = first.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  return `${hex} ("${printable}")`;
}
