/**
 * Streaming downloads of recording files: never buffered, checked against Zoom's `file_size`,
 * refused when the URL (or a redirect) leaves the tenant's allowed hosts, resumed with `Range`.
 */
import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { AUDIO_SNIFF_BYTES, audioFormatOf, describeHead } from './audio.js';
import { hostAllowed, type ApiFamily, type RateCategory } from './config.js';
import { ZoomDownloadIntegrityError, ZoomRateLimitedError, ZoomRequestError, ZoomServerError, isZoomError, type ZoomErrorDetails } from './errors.js';
import { backoffDelay, errorForStatus, headerValue, readZoomErrorBody } from './http.js';
import type { TokenProvider } from './oauth.js';
import { parseRetryAfter, type Clock, type Pacer } from './rate-limiter.js';

export interface DownloadRequest {
  url: string;
  /**
   * Zoom's `file_size`: the truth the download is checked against. Absent for files Zoom lists
   * without a size (CC, TIMELINE): the response's Content-Length is held to instead.
   */
  expectedSize?: number;
  /** Resume from this byte (sent as `Range: bytes=offset-`, answered 206). */
  offset?: number;
  /** A webhook's `download_token` (24 h) instead of the tenant's access token. */
  downloadToken?: string;
  /** Send the download token as `?access_token=` (legacy form, still documented for archive and phone files). */
  downloadTokenInQuery?: boolean;
  /**
   * The rate category of a download served by an API endpoint (Zoom Phone's, medium): each request
   * waits for the tenant's pacer like any API call, and a per-second 429 pauses the category.
   */
  rateCategory?: { family: ApiFamily; category: RateCategory };
  /**
   * The file must be audio (a phone recording, which Zoom lists without a size or a format): an
   * answer in JSON or text, an empty body, or one whose first bytes are not audio is refused.
   */
  audio?: boolean;
}

export interface DownloadResult {
  /** The file's bytes from `offset` on; errors with ZoomDownloadIntegrityError if it cannot deliver them all. */
  stream: Readable;
  contentType: string | undefined;
  /** Bytes this stream will deliver (expectedSize - offset); unknown when neither Zoom nor the response said. */
  contentLength?: number;
}

export interface DownloaderOptions {
  tenantId: string;
  tokens: TokenProvider;
  dispatcher: Dispatcher;
  clock: Clock;
  allowedHosts: readonly string[];
  /** Resumes (Range requests) after a reset or a short body, within one returned stream. */
  maxResumes: number;
  serverRetries: number;
  backoffMs: number;
  random?: () => number;
  /** Paces downloads that carry a `rateCategory`. */
  limiter?: Pacer;
}

const MAX_REDIRECTS = 5;

export class Downloader {
  private readonly random: () => number;

  constructor(private readonly options: DownloaderOptions) {
    this.random = options.random ?? Math.random;
  }

  async download(req: DownloadRequest): Promise<DownloadResult> {
    const offset = req.offset ?? 0;
    const given = req.expectedSize;
    if ((given !== undefined && (!Number.isInteger(given) || given < 0 || offset > given)) || !Number.isInteger(offset) || offset < 0) {
      throw new RangeError(`invalid download range: offset ${offset} of expected size ${given}`);
    }
    const first = await this.open(req, offset);
    const declared = headerValue(first.res.headers, 'content-length');
    // Without Zoom's size, a body is whole when it ends at its own Content-Length (or, lacking one, when it ends).
    const expectedSize = given ?? (declared !== undefined ? offset + Number(declared) : undefined);
    // A resumed audio file was checked when its first bytes came.
    const body = req.audio && offset === 0
      ? await audioBody(first.res.body, { tenant: this.options.tenantId, endpoint: first.endpoint, httpStatus: first.res.statusCode })
      : first.res.body;
    return {
      stream: Readable.from(this.bytes({ ...req, expectedSize }, offset, body, first.endpoint), { objectMode: false }),
      contentType: first.contentType,
      ...(expectedSize !== undefined ? { contentLength: expectedSize - offset } : {}),
    };
  }

  /** The body, resumed with Range where it breaks, checked to end exactly at `expectedSize`. */
  private async *bytes(req: DownloadRequest, offset: number, firstBody: AsyncIterable<Buffer>, endpoint: string): AsyncGenerator<Buffer> {
    const details = { tenant: this.options.tenantId, endpoint };
    let received = offset;
    let body: AsyncIterable<Buffer> = firstBody;
    let resumes = 0;
    for (;;) {
      let failure: unknown;
      try {
        for await (const chunk of body) {
          received += chunk.length;
          if (req.expectedSize !== undefined && received > req.expectedSize) {
            throw new ZoomDownloadIntegrityError({ ...details, problem: `more bytes than file_size ${req.expectedSize}`, bytesReceived: received });
          }
          yield chunk;
        }
        if (received === req.expectedSize || req.expectedSize === undefined) return;
        failure = new Error(`body ended at byte ${received}`);
      } catch (e) {
        if (e instanceof ZoomDownloadIntegrityError) throw e;
        failure = e;
      }
      if (resumes >= this.options.maxResumes) {
        throw new ZoomDownloadIntegrityError({ ...details, problem: `truncated at byte ${received} of ${req.expectedSize} after ${resumes} resumes`, bytesReceived: received, cause: failure });
      }
      resumes += 1;
      await this.options.clock.sleep(backoffDelay(resumes, this.options.backoffMs, this.random));
      try {
        body = (await this.open(req, received)).res.body as AsyncIterable<Buffer>;
      } catch (e) {
        if (isZoomError(e) && !e.retryable) throw e;
        throw new ZoomDownloadIntegrityError({ ...details, problem: `resume at byte ${received} failed`, bytesReceived: received, cause: e });
      }
    }
  }

  /** One checked response for the file from `offset`: redirects followed within the allowed hosts. */
  private async open(req: DownloadRequest, offset: number): Promise<{ res: Dispatcher.ResponseData; contentType: string | undefined; endpoint: string }> {
    const { tokens, clock } = this.options;
    let refreshed = false;
    let serverFailures = 0;
    for (;;) {
      const token = req.downloadToken ?? (await tokens.getToken());
      let followed: { res: Dispatcher.ResponseData; endpoint: string };
      try {
        if (req.rateCategory && this.options.limiter) await this.options.limiter.acquire(req.rateCategory.family, req.rateCategory.category);
        followed = await this.follow(req, offset, token);
      } catch (e) {
        if (e instanceof ZoomServerError && serverFailures++ < this.options.serverRetries) {
          await clock.sleep(backoffDelay(serverFailures, this.options.backoffMs, this.random));
          continue;
        }
        throw e;
      }
      const { res, endpoint } = followed;
      const details: ZoomErrorDetails = { tenant: this.options.tenantId, endpoint, httpStatus: res.statusCode };
      const status = res.statusCode;
      if (status === 200 || status === 206) {
        const contentType = headerValue(res.headers, 'content-type');
        const problem = checkHeaders(status, res.headers, contentType, offset, req.expectedSize, req.audio);
        if (problem) {
          // Zoom's error JSON, when that is what came instead of the recording, says why.
          const said = problem.json ? readZoomErrorBody(await res.body.json().catch(() => undefined)) : (await res.body.dump(), {});
          // Zoom quirk: a revoked token (a rotated secret) gets the same HTML page as a deleted
          // recording. A fresh token is tried once before the file is called gone.
          if (problem.permanent && !refreshed && req.downloadToken === undefined) {
            tokens.invalidate(token);
            refreshed = true;
            continue;
          }
          const zoomSaid = said.code !== undefined || said.message !== undefined ? ` (Zoom said: ${[said.code, said.message].filter((p) => p !== undefined).join(' ')})` : '';
          throw new ZoomDownloadIntegrityError({ ...details, zoomCode: said.code, zoomMessage: said.message, problem: `${problem.problem}${zoomSaid}`, bytesReceived: offset, retryable: !problem.permanent });
        }
        return { res, contentType, endpoint };
      }
      const zb = readZoomErrorBody(await res.body.json().catch(() => undefined));
      const zoomDetails = { ...details, zoomCode: zb.code, zoomMessage: zb.message };
      if (status === 401 && !refreshed && req.downloadToken === undefined) {
        tokens.invalidate(token);
        refreshed = true;
        continue;
      }
      if (status === 429) {
        const retryAfterMs = parseRetryAfter(headerValue(res.headers, 'retry-after'), clock.now()) ?? 1000;
        // Every caller of the category waits, not only this download's retry.
        if (req.rateCategory && this.options.limiter) await this.options.limiter.pause(req.rateCategory.family, req.rateCategory.category, retryAfterMs);
        throw new ZoomRateLimitedError({ ...zoomDetails, retryAfterMs });
      }
      if (status >= 500 && serverFailures++ < this.options.serverRetries) {
        await clock.sleep(backoffDelay(serverFailures, this.options.backoffMs, this.random));
        continue;
      }
      throw errorForStatus({ ...zoomDetails, httpStatus: status });
    }
  }

  private async follow(req: DownloadRequest, offset: number, token: string): Promise<{ res: Dispatcher.ResponseData; endpoint: string }> {
    let url = new URL(req.url);
    const useQuery = req.downloadToken !== undefined && req.downloadTokenInQuery === true;
    for (let hop = 0; ; hop++) {
      // Never log the query: it may carry an access_token.
      const endpoint = `GET ${url.host}${url.pathname}`;
      if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !hostAllowed(url.hostname, this.options.allowedHosts)) {
        throw new ZoomRequestError({ tenant: this.options.tenantId, endpoint, problem: `download host "${url.hostname}" is not allowed for this tenant` });
      }
      const target = new URL(url);
      if (useQuery && hop === 0) target.searchParams.set('access_token', token);
      const headers: Record<string, string> = {};
      if (!useQuery) headers.authorization = `Bearer ${token}`;
      if (offset > 0) headers.range = `bytes=${offset}-`;
      let res: Dispatcher.ResponseData;
      try {
        res = await request(target, { method: 'GET', headers, dispatcher: this.options.dispatcher, headersTimeout: 30_000, bodyTimeout: 60_000 });
      } catch (cause) {
        throw new ZoomServerError({ tenant: this.options.tenantId, endpoint, cause });
      }
      const location = headerValue(res.headers, 'location');
      if (res.statusCode >= 300 && res.statusCode < 400 && location) {
        await res.body.dump();
        if (hop >= MAX_REDIRECTS) throw new ZoomRequestError({ tenant: this.options.tenantId, endpoint, problem: `more than ${MAX_REDIRECTS} redirects` });
        // Zoom quirk: download URLs redirect to a signed URL on another Zoom host; each hop is checked.
        url = new URL(location, url);
        continue;
      }
      return { res, endpoint };
    }
  }
}

/**
 * Why a 200/206 answer is not the file we asked for, or undefined when it is. `permanent`: asking
 * again cannot help (an HTML page where the file should be). `json`: the body is Zoom's error JSON.
 */
export function checkHeaders(status: number, headers: Dispatcher.ResponseData['headers'], contentType: string | undefined, offset: number, expectedSize: number | undefined, audio = false): { problem: string; permanent: boolean; json?: boolean } | undefined {
  // Zoom quirk: a deleted or unauthorised download answers 200 with an HTML page.
  if (contentType !== undefined && /^text\/html/i.test(contentType.trim())) {
    return { problem: `answered ${contentType} instead of the file (Zoom's page for a deleted or inaccessible recording)`, permanent: true };
  }
  const lengthHeader = headerValue(headers, 'content-length');
  if (audio) {
    // Zoom quirk: a phone recording Zoom will not serve may come as 200 with its error JSON.
    if (contentType !== undefined && /^(application\/(problem\+)?json|text\/)/i.test(contentType.trim())) {
      return { problem: `answered ${contentType} instead of the recording: Zoom refused the download`, permanent: true, json: /json/i.test(contentType) };
    }
    if (lengthHeader !== undefined && Number(lengthHeader) === 0) return { problem: 'answered an empty body (Content-Length: 0) instead of the recording', permanent: true };
  }
  const found = (problem: string) => ({ problem, permanent: false });
  if (offset > 0 && status !== 206) return found(`asked for bytes ${offset}- but got HTTP ${status} (Range ignored)`);
  if (expectedSize !== undefined && lengthHeader !== undefined && Number(lengthHeader) !== expectedSize - offset) {
    return found(`content-length ${lengthHeader} differs from file_size ${expectedSize}${offset > 0 ? ` minus offset ${offset}` : ''}`);
  }
  if (status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(headerValue(headers, 'content-range') ?? '');
    if (!m) return found('partial answer without a readable Content-Range');
    if (Number(m[1]) !== offset) return found(`partial answer starts at byte ${m[1]}, asked for ${offset}`);
    if (expectedSize !== undefined && m[3] !== '*' && Number(m[3]) !== expectedSize) return found(`file is ${m[3]} bytes, file_size says ${expectedSize}`);
  }
  return undefined;
}

/**
 * The body of an audio file, after its first bytes were checked (only they are held, never the
 * file): an empty body or one that does not start like audio is refused here, before anything is
 * stored. Bytes that are not audio under an audio content type may be a garbled answer: retryable.
 */
async function audioBody(body: Dispatcher.ResponseData['body'], details: ZoomErrorDetails): Promise<AsyncIterable<Buffer>> {
  const chunks = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let length = 0;
  try {
    while (length < AUDIO_SNIFF_BYTES) {
      const next = await chunks.next();
      if (next.done) break;
      head.push(next.value);
      length += next.value.length;
    }
  } catch (cause) {
    throw new ZoomDownloadIntegrityError({ ...details, problem: 'the connection broke before the first bytes of the recording', bytesReceived: 0, cause });
  }
  const first = Buffer.concat(head);
  const refuse = (problem: string, retryable: boolean) => {
    body.destroy();
    return new ZoomDownloadIntegrityError({ ...details, problem, bytesReceived: 0, retryable });
  };
  if (first.length === 0) throw refuse('answered an empty body instead of the recording', false);
  if (!audioFormatOf(first)) throw refuse(`the body does not start like audio (MP3, M4A/MP4 or WAV): ${describeHead(first)}`, true);
  return (async function* () {
    yield* head;
    yield* { [Symbol.asyncIterator]: () => chunks };
  })();
}
