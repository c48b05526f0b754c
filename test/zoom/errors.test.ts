import { describe, expect, it } from 'vitest';
import {
  isZoomError, ZoomAuthError, ZoomBadResponseError, ZoomDailyLimitError, ZoomDownloadIntegrityError, ZoomNotFoundError,
  ZoomRateLimitedError, ZoomRequestError, ZoomServerError,
} from '../../src/zoom/errors.js';

// The Zoom client's typed errors: what each says (tenant, endpoint, what Zoom said), whether a
// retry can help, and the plain data a Temporal failure carries. Every message is written out.

const where = { tenant: 'acme', endpoint: 'GET /users/u1/recordings' };

describe('Zoom errors: messages', () => {
  it('name the tenant, the endpoint and what Zoom said (status, code, message), each part only when given', () => {
    expect(new ZoomNotFoundError({ ...where, httpStatus: 404, zoomCode: 3301, zoomMessage: 'This recording does not exist.' }).message)
      .toBe('Zoom has no such resource for tenant "acme" on GET /users/u1/recordings (HTTP 404, code 3301: This recording does not exist.)');
    expect(new ZoomNotFoundError({ ...where, httpStatus: 404 }).message).toBe('Zoom has no such resource for tenant "acme" on GET /users/u1/recordings (HTTP 404)');
    expect(new ZoomNotFoundError({ ...where, zoomCode: 3301 }).message).toBe('Zoom has no such resource for tenant "acme" on GET /users/u1/recordings (code 3301)');
    expect(new ZoomNotFoundError({ ...where, zoomMessage: '' }).message).toBe('Zoom has no such resource for tenant "acme" on GET /users/u1/recordings');
    expect(new ZoomNotFoundError(where).message).toBe('Zoom has no such resource for tenant "acme" on GET /users/u1/recordings');
  });

  it('credentials: rejected by default, or what the client says went wrong', () => {
    const token = { tenant: 'acme', endpoint: 'POST /oauth/token', httpStatus: 401, zoomCode: 124, zoomMessage: 'Invalid access token.' };
    expect(new ZoomAuthError(token).message).toBe('Zoom rejected the credentials of tenant "acme" on POST /oauth/token (HTTP 401, code 124: Invalid access token.)');
    expect(new ZoomAuthError(token, 'refused a freshly refreshed token').message)
      .toBe('Zoom refused a freshly refreshed token of tenant "acme" on POST /oauth/token (HTTP 401, code 124: Invalid access token.)');
  });

  it('a refused request: Zoom\'s answer, or the client\'s own reason when it never sent it', () => {
    expect(new ZoomRequestError({ ...where, httpStatus: 400, zoomCode: 300, zoomMessage: 'Invalid date' }).message)
      .toBe('Zoom refused the request of tenant "acme" on GET /users/u1/recordings (HTTP 400, code 300: Invalid date)');
    expect(new ZoomRequestError({ tenant: 'acme', endpoint: 'GET https://evil.example/file', problem: 'host evil.example is not allowed' }).message)
      .toBe('Request of tenant "acme" to GET https://evil.example/file refused: host evil.example is not allowed');
  });

  it('limits: the per-second one says when to retry, the daily one which quota and when it resets', () => {
    expect(new ZoomRateLimitedError({ ...where, httpStatus: 429, retryAfterMs: 1500 }).message)
      .toBe('Zoom per-second rate limit for tenant "acme" on GET /users/u1/recordings, retry in 1500 ms (HTTP 429)');
    expect(new ZoomDailyLimitError({ ...where, httpStatus: 429, zoomCode: 429, resetsAt: new Date('2026-03-02T00:00:00Z'), category: 'heavy' }).message)
      .toBe('Zoom daily rate limit (heavy) spent for tenant "acme" on GET /users/u1/recordings, resets at 2026-03-02T00:00:00.000Z (HTTP 429, code 429)');
  });

  it('a server error names a network failure only when there was no HTTP answer', () => {
    expect(new ZoomServerError({ ...where, cause: new Error('socket hang up') }).message)
      .toBe('Zoom server error for tenant "acme" on GET /users/u1/recordings (network: socket hang up)');
    expect(new ZoomServerError({ ...where, httpStatus: 503, cause: new Error('socket hang up') }).message)
      .toBe('Zoom server error for tenant "acme" on GET /users/u1/recordings (HTTP 503)');
    expect(new ZoomServerError({ ...where, cause: 'not an Error' }).message).toBe('Zoom server error for tenant "acme" on GET /users/u1/recordings');
  });

  it('a bad response and a download that is not the file say what was wrong', () => {
    expect(new ZoomBadResponseError({ ...where, problem: 'total_records 5 but 3 rows' }).message)
      .toBe('Unexpected Zoom response for tenant "acme" on GET /users/u1/recordings: total_records 5 but 3 rows');
    expect(new ZoomDownloadIntegrityError({ tenant: 'acme', endpoint: 'GET download', problem: 'got 10 of 20 bytes', bytesReceived: 10 }).message)
      .toBe('Zoom download for tenant "acme" failed its integrity check: got 10 of 20 bytes');
  });
});

describe('Zoom errors: retryable, type, cause and plain data', () => {
  it('only the per-second limit, server errors and (by default) a short download are worth a retry', () => {
    const resetsAt = new Date('2026-03-02T00:00:00Z');
    const cases: [string, { type: string; retryable: boolean; name: string }][] = [
      ['auth', new ZoomAuthError(where)],
      ['not found', new ZoomNotFoundError(where)],
      ['request', new ZoomRequestError(where)],
      ['rate', new ZoomRateLimitedError({ ...where, retryAfterMs: 1 })],
      ['daily', new ZoomDailyLimitError({ ...where, resetsAt, category: 'light' })],
      ['server', new ZoomServerError(where)],
      ['bad response', new ZoomBadResponseError({ ...where, problem: 'p' })],
      ['bad response, retryable', new ZoomBadResponseError({ ...where, problem: 'p', retryable: true })],
      ['download', new ZoomDownloadIntegrityError({ ...where, problem: 'p' })],
      ['download, html page', new ZoomDownloadIntegrityError({ ...where, problem: 'p', retryable: false })],
    ];
    expect(cases.map(([label, e]) => [label, e.type, e.name, e.retryable])).toEqual([
      ['auth', 'ZoomAuthError', 'ZoomAuthError', false],
      ['not found', 'ZoomNotFoundError', 'ZoomNotFoundError', false],
      ['request', 'ZoomRequestError', 'ZoomRequestError', false],
      ['rate', 'ZoomRateLimitedError', 'ZoomRateLimitedError', true],
      ['daily', 'ZoomDailyLimitError', 'ZoomDailyLimitError', false],
      ['server', 'ZoomServerError', 'ZoomServerError', true],
      ['bad response', 'ZoomBadResponseError', 'ZoomBadResponseError', false],
      ['bad response, retryable', 'ZoomBadResponseError', 'ZoomBadResponseError', true],
      ['download', 'ZoomDownloadIntegrityError', 'ZoomDownloadIntegrityError', true],
      ['download, html page', 'ZoomDownloadIntegrityError', 'ZoomDownloadIntegrityError', false],
    ]);
  });

  it('keeps the cause when there is one, and has none otherwise', () => {
    const cause = new Error('ECONNRESET');
    expect(new ZoomServerError({ ...where, cause }).cause).toBe(cause);
    expect(Object.hasOwn(new ZoomServerError(where), 'cause')).toBe(false);
  });

  it('toJSON: the same fields for every error, plus each kind\'s own, and never the cause', () => {
    const said = { ...where, httpStatus: 429, zoomCode: 429, zoomMessage: 'Too many requests', cause: new Error('secret-bearing cause') };
    expect(new ZoomNotFoundError({ ...where, httpStatus: 404 }).toJSON()).toStrictEqual({
      type: 'ZoomNotFoundError', message: 'Zoom has no such resource for tenant "acme" on GET /users/u1/recordings (HTTP 404)', retryable: false,
      tenant: 'acme', endpoint: 'GET /users/u1/recordings', zoomCode: undefined, zoomMessage: undefined, httpStatus: 404,
    });
    expect(new ZoomRateLimitedError({ ...said, retryAfterMs: 2000 }).toJSON()).toStrictEqual({
      type: 'ZoomRateLimitedError', message: 'Zoom per-second rate limit for tenant "acme" on GET /users/u1/recordings, retry in 2000 ms (HTTP 429, code 429: Too many requests)',
      retryable: true, tenant: 'acme', endpoint: 'GET /users/u1/recordings', zoomCode: 429, zoomMessage: 'Too many requests', httpStatus: 429, retryAfterMs: 2000,
    });
    expect(new ZoomDailyLimitError({ ...where, resetsAt: new Date('2026-03-02T05:00:00Z'), category: 'heavy' }).toJSON()).toMatchObject({
      type: 'ZoomDailyLimitError', retryable: false, resetsAt: '2026-03-02T05:00:00.000Z', category: 'heavy',
    });
    expect(new ZoomRequestError({ ...where, problem: 'host not allowed' }).toJSON()).toMatchObject({ type: 'ZoomRequestError', problem: 'host not allowed' });
    expect(Object.keys(new ZoomRequestError(where).toJSON())).not.toContain('problem');
    expect(new ZoomBadResponseError({ ...where, problem: 'schema' }).toJSON()).toMatchObject({ problem: 'schema' });
    expect(new ZoomDownloadIntegrityError({ ...where, problem: 'short', bytesReceived: 10 }).toJSON()).toMatchObject({ problem: 'short', bytesReceived: 10 });
    const daily = new ZoomDailyLimitError({ ...where, resetsAt: new Date('2026-03-02T05:00:00Z'), category: 'heavy' });
    expect([daily.resetsAt.toISOString(), daily.category]).toEqual(['2026-03-02T05:00:00.000Z', 'heavy']);
    const download = new ZoomDownloadIntegrityError({ ...where, problem: 'short', bytesReceived: 10 });
    expect([download.problem, download.bytesReceived]).toEqual(['short', 10]);
    expect(new ZoomRequestError({ ...where, problem: 'p' }).problem).toBe('p');
    expect(new ZoomBadResponseError({ ...where, problem: 'q' }).problem).toBe('q');
    expect(new ZoomRateLimitedError({ ...where, retryAfterMs: 7 }).retryAfterMs).toBe(7);
    expect(JSON.stringify(new ZoomServerError(said))).not.toContain('secret-bearing');
  });

  it('isZoomError tells the client\'s errors from anything else', () => {
    expect(isZoomError(new ZoomServerError(where))).toBe(true);
    expect(isZoomError(new Error('plain'))).toBe(false);
    expect(isZoomError({ type: 'ZoomServerError', retryable: true })).toBe(false);
    expect(isZoomError(undefined)).toBe(false);
  });
});
