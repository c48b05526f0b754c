import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ZoomError, expiredToken, invalidToken, missingToken } from './errors.js';
import { handleTokenRequest } from './oauth.js';
import { qps429 } from './rate-limits.js';
import type { FaultName } from './faults.js';
import type { SimState } from './state.js';
import { DOWNLOAD_NOT_FOUND, HTML_ERROR_PAGE, resolveDownload } from './routes/downloads.js';
import { bufferBody, type ApiResult, type ApiRoute, type StreamBody } from './routes/route.js';

export interface ControlHandler {
  (method: string, path: string, query: URLSearchParams, body: unknown): Promise<{ status: number; body: unknown }>;
}

interface CompiledRoute {
  route: ApiRoute;
  segments: string[];
  endpoint: string;
}

const MAX_BODY = 1024 * 1024;

/** Routes Zoom's paths on raw (still percent-encoded) segments, so `%2F` inside a UUID stays one segment. */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: ApiRoute[]) {
    this.compiled = routes.map((route) => ({
      route,
      segments: route.template.split('/').slice(1),
      endpoint: `${route.method} ${route.template}`,
    }));
  }

  match(method: string, rawPath: string): { compiled: CompiledRoute; rawParams: Record<string, string> } | 'method' | null {
    const parts = rawPath.split('/').slice(1);
    let wrongMethod = false;
    // Literal segments win over parameters (`/recordings/status` before `/recordings/{recordingId}`).
    const candidates = this.compiled
      .filter((c) => c.segments.length === parts.length)
      .sort((a, b) => paramCount(a) - paramCount(b));
    for (const c of candidates) {
      const rawParams: Record<string, string> = {};
      const fits = c.segments.every((seg, i) => {
        const part = parts[i] ?? '';
        if (seg.startsWith('{')) {
          rawParams[seg.slice(1, -1)] = part;
          return part.length > 0;
        }
        return seg === part;
      });
      if (!fits) continue;
      if (c.route.method !== method) { wrongMethod = true; continue; }
      return { compiled: c, rawParams };
    }
    return wrongMethod ? 'method' : null;
  }
}

function paramCount(c: CompiledRoute): number {
  return c.segments.filter((s) => s.startsWith('{')).length;
}

function decodeParams(raw: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    try { out[k] = decodeURIComponent(v); } catch { out[k] = v; }
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ZoomError(400, 300, 'Request body too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ZoomError(400, 300, 'Request Body should be a valid JSON object.');
  }
}

export interface ServerDeps {
  state: SimState;
  router: Router;
  control: ControlHandler;
}

/** The one HTTP server: Zoom's OAuth host, API host, download host and the `/_sim` control API. */
export function createSimulatorServer(deps: ServerDeps): Server {
  const server = createServer((req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { code: 500, message: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  return server;
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { state } = deps;
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  const method = req.method ?? 'GET';

  if (rawPath.startsWith('/_sim/') || rawPath === '/_sim') {
    let body: unknown;
    try {
      body = parseJson(await readBody(req));
    } catch (error) {
      sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
      return;
    }
    const result = await deps.control(method, rawPath.slice('/_sim'.length), query, body);
    sendJson(res, result.status, result.body);
    return;
  }

  // The network profile's round trip: Zoom's API and OAuth hosts, never the control API.
  if (rawPath === '/oauth/token' || rawPath.startsWith('/v2/')) await state.network.delay();

  if (rawPath === '/oauth/token') {
    state.counters.call(`${method} /oauth/token`, null, null);
    if (method !== 'POST') return sendJson(res, 405, { reason: 'Method not allowed', error: 'invalid_request' });
    const text = await readBody(req);
    const result = handleTokenRequest(
      { authorization: req.headers.authorization, query, form: new URLSearchParams(text) },
      state.tenants, state.tokens, state.tokenLifetimeSeconds, state.clock.nowMs(), state.baseUrl,
    );
    if (result.status === 200) state.counters.tokenIssued();
    return sendJson(res, result.status, result.body);
  }

  const download = /^\/rec\/(download|webhook_download|archive\/download)\/([^/]+)$/.exec(rawPath);
  if (download?.[2] && (method === 'GET' || method === 'HEAD')) {
    await serveDownload(deps, req, res, download[2], query);
    return;
  }

  if (rawPath.startsWith('/v2/')) {
    await serveApi(deps, req, res, method, rawPath.slice(3), query);
    return;
  }
  sendJson(res, 404, { code: 404, message: 'Not Found' });
}

async function serveDownload(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, key: string, query: URLSearchParams): Promise<void> {
  const { state } = deps;
  const nowMs = state.clock.nowMs();
  if (roll(state, 'serverError', 'downloads')) return sendServerError(res);
  const outcome = resolveDownload(state, key, req, query, nowMs);
  if (outcome.kind === 'html') {
    state.counters.download(0);
    const html = Buffer.from(HTML_ERROR_PAGE);
    res.writeHead(200, { 'Content-Type': 'text/html;charset=utf-8', 'Content-Length': html.length });
    res.end(req.method === 'HEAD' ? undefined : html);
    return;
  }
  if (outcome.kind === 'not_found') {
    state.counters.download(0);
    return sendJson(res, 404, DOWNLOAD_NOT_FOUND);
  }
  await sendStream(deps, req, res, 200, outcome.headers, outcome.body, 'downloads', true, outcome.paceMs);
}

async function serveApi(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, method: string, path: string, query: URLSearchParams): Promise<void> {
  const { state } = deps;
  const match = deps.router.match(method, path);
  if (match === null) return sendJson(res, 404, { code: 404, message: 'Not Found' });
  if (match === 'method') return sendJson(res, 405, { code: 405, message: 'Method not allowed' });
  const { compiled, rawParams } = match;
  const { route } = compiled;
  const nowMs = state.clock.nowMs();
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
  // Zoom quirk: since 2023 API calls take the token only in the Authorization header.
  const token = bearer ?? (route.allowQueryToken ? query.get('access_token') : null);
  const check = state.tokens.check(token, nowMs);
  if (!check.ok || check.kind !== 'access') {
    state.counters.call(compiled.endpoint, route.category, null);
    const error = !check.ok && check.reason === 'missing' ? missingToken() : !check.ok && check.reason === 'expired' ? expiredToken() : invalidToken();
    return sendError(res, error);
  }
  const tenant = state.tenant(check.accountId);
  state.counters.call(compiled.endpoint, route.category, tenant.accountId);
  if (token && roll(state, 'tokenRevoked', 'api')) {
    state.tokens.revoke(token);
    return sendError(res, invalidToken());
  }
  const rejection = state.limiter.take(tenant.accountId, tenant.plan, route.family, route.category, nowMs, state.clock.runningMs());
  if (rejection) {
    state.counters.rateLimited(rejection.type);
    return sendError(res, new ZoomError(429, 429, rejection.message, rejection.headers));
  }
  if (roll(state, 'rateLimitStorm', 'api')) {
    const storm = qps429(route.category, 1, 1);
    state.counters.rateLimited('QPS');
    return sendError(res, new ZoomError(429, 429, storm.message, storm.headers));
  }
  if (roll(state, 'serverError', 'api')) return sendServerError(res);
  if (query.get('next_page_token') && roll(state, 'pageTokenExpired', 'api')) {
    return sendError(res, new ZoomError(400, 300, 'The next page token is either invalid or expired.'));
  }
  let result: ApiResult;
  try {
    const body = method === 'GET' || method === 'DELETE' ? null : parseJson(await readBody(req));
    result = await route.handler({ state, tenant, params: decodeParams(rawParams), rawParams, query, nowMs, body, method });
  } catch (error) {
    if (error instanceof ZoomError) return sendError(res, error);
    throw error;
  }
  if (result.stream) {
    await sendStream(deps, req, res, result.status, result.headers ?? {}, result.stream, 'api', true, result.paceMs ?? null);
    return;
  }
  if (result.status === 204 || result.body === undefined) {
    res.writeHead(result.status, result.headers);
    res.end();
    return;
  }
  const json = Buffer.from(JSON.stringify(result.body));
  await sendStream(deps, req, res, result.status, { 'Content-Type': 'application/json;charset=UTF-8', ...result.headers }, bufferBody(json), 'api', false);
}

function roll(state: SimState, fault: FaultName, target: 'api' | 'downloads'): boolean {
  const hit = state.faults.roll(fault, target);
  if (hit) state.counters.fault(fault);
  return hit;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(json), ...headers });
  res.end(json);
}

function sendError(res: ServerResponse, error: ZoomError): void {
  sendJson(res, error.status, error.body(), error.headers);
}

function sendServerError(res: ServerResponse): void {
  sendJson(res, 500, { code: 500, message: 'Internal Server Error' });
}

/** `bytes=N-` or `bytes=N-M`; null = whole body; 'unsatisfiable' = 416. */
function parseRange(header: string | undefined, length: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    start = Math.max(0, length - Number(b));
    end = length;
  } else {
    start = Number(a);
    end = b === '' ? length : Math.min(length, Number(b) + 1);
  }
  if (start >= length || start >= end) return 'unsatisfiable';
  return { start, end };
}

/** A paced body (a file's `slow` fault) pauses this long between pieces, so progress shows well within a second. */
const PACE_STEP_MS = 250;

/** Piece boundaries and the pause before each piece: paced, slow (stall before the body and halfway), or one piece. */
function bodyPieces(start: number, cut: number, paceMs: number | null, slowMs: number | null): { bounds: number[]; pauseMs: number } {
  if (paceMs !== null && cut > start) {
    // Never more pieces than bytes; a tiny body under a long pace pauses longer between bytes.
    const n = Math.max(1, Math.min(Math.ceil(paceMs / PACE_STEP_MS), cut - start));
    return { bounds: Array.from({ length: n + 1 }, (_, i) => start + Math.floor(((cut - start) * i) / n)), pauseMs: paceMs / n };
  }
  if (slowMs !== null) return { bounds: [start, start + Math.floor((cut - start) / 2), cut], pauseMs: slowMs / 2 };
  return { bounds: [start, cut], pauseMs: 0 };
}

/**
 * Writes a body with Range support and the body faults: connection reset, truncation, slowness.
 * `ranged` is false for JSON bodies; `paceMs` spreads the body over that many real milliseconds.
 */
async function sendStream(
  deps: ServerDeps, req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>,
  body: StreamBody, target: 'api' | 'downloads', ranged = true, paceMs: number | null = null,
): Promise<void> {
  const { state } = deps;
  let start = 0;
  let end = body.length;
  const out: Record<string, string | number> = { ...headers };
  if (ranged) {
    const range = parseRange(req.headers.range, body.length);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}`, 'Content-Type': 'text/plain' });
      res.end();
      return;
    }
    if (range) {
      status = 206;
      ({ start, end } = range);
      out['Content-Range'] = `bytes ${start}-${end - 1}/${body.length}`;
    }
  }
  out['Content-Length'] = end - start;
  if (req.method === 'HEAD') {
    res.writeHead(status, out);
    res.end();
    return;
  }
  const reset = roll(state, 'connectionReset', target);
  const truncate = !reset && roll(state, 'truncatedBody', target);
  const slow = roll(state, 'slowBody', target);
  const cut = reset || truncate ? start + Math.floor((end - start) / 2) : end;
  res.writeHead(status, out);
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const { bounds, pauseMs } = bodyPieces(start, cut, paceMs, slow ? state.faults.config.slowBodyDelayMs : null);
  // A ranged body is a file (a download): the network profile's bandwidth cap paces it.
  const throttle = ranged ? state.network.downloadThrottle() : null;
  let sent = 0;
  for (let i = 0; i + 1 < bounds.length; i++) {
    if (pauseMs > 0) await sleep(pauseMs);
    if (res.destroyed) return;
    const stream = body.open(bounds[i] ?? start, bounds[i + 1] ?? cut);
    const chunks = throttle ? throttle.pace(stream) : (stream as AsyncIterable<Buffer>);
    for await (const chunk of chunks) {
      if (res.destroyed) { stream.destroy(); return; }
      sent += chunk.length;
      if (!res.write(chunk)) await waitDrain(res);
    }
  }
  if (target === 'downloads') state.counters.download(sent);
  if (reset) {
    // Flush what was written, then an RST instead of the rest of the body.
    await sleep(20);
    res.socket?.resetAndDestroy();
    return;
  }
  if (truncate) {
    // Content-Length promised more; close the connection cleanly (FIN) halfway.
    await sleep(20);
    res.socket?.end();
    res.socket?.destroySoon();
    return;
  }
  res.end();
}

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => { res.off('drain', done); res.off('close', done); resolve(); };
    res.on('drain', done);
    res.on('close', done);
  });
}
