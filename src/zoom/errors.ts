/**
 * Typed errors of the Zoom client. Every error names the tenant and the endpoint, carries what Zoom
 * said (`zoomCode`, `zoomMessage`, `httpStatus`) and whether a retry can help (`retryable`); `type` is
 * stable and becomes the Temporal ApplicationFailure type. Messages and `toJSON()` never hold secrets.
 */

export interface ZoomErrorDetails {
  tenant: string;
  endpoint: string;
  zoomCode?: number | undefined;
  zoomMessage?: string | undefined;
  httpStatus?: number | undefined;
  cause?: unknown;
}

export type ZoomErrorType =
  | 'ZoomAuthError'
  | 'ZoomNotFoundError'
  | 'ZoomRequestError'
  | 'ZoomRateLimitedError'
  | 'ZoomDailyLimitError'
  | 'ZoomServerError'
  | 'ZoomBadResponseError'
  | 'ZoomDownloadIntegrityError';

export abstract class ZoomError extends Error {
  abstract readonly type: ZoomErrorType;
  abstract readonly retryable: boolean;
  readonly tenant: string;
  readonly endpoint: string;
  readonly zoomCode: number | undefined;
  readonly zoomMessage: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(message: string, details: ZoomErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.tenant = details.tenant;
    this.endpoint = details.endpoint;
    this.zoomCode = details.zoomCode;
    this.zoomMessage = details.zoomMessage;
    this.httpStatus = details.httpStatus;
  }

  /** Plain data for logs and Temporal failure details (no stack, no cause, no secrets). */
  toJSON(): Record<string, unknown> {
    return {
      type: this.type,
      message: this.message,
      retryable: this.retryable,
      tenant: this.tenant,
      endpoint: this.endpoint,
      zoomCode: this.zoomCode,
      zoomMessage: this.zoomMessage,
      httpStatus: this.httpStatus,
      ...this.extraJSON(),
    };
  }

  protected extraJSON(): Record<string, unknown> {
    return {};
  }
}

const said = (d: ZoomErrorDetails): string => {
  const parts = [d.httpStatus === undefined ? undefined : `HTTP ${d.httpStatus}`, d.zoomCode === undefined ? undefined : `code ${d.zoomCode}`]
    .filter((p) => p !== undefined)
    .join(', ');
  const text = d.zoomMessage ? `: ${d.zoomMessage}` : '';
  return parts || text ? ` (${parts}${text})` : '';
};

/** Credentials rejected, token refused after a refresh, or missing scopes: ops must fix the app. */
export class ZoomAuthError extends ZoomError {
  readonly type = 'ZoomAuthError';
  readonly retryable = false;
  constructor(details: ZoomErrorDetails, what = 'rejected the credentials') {
    super(`Zoom ${what} of tenant "${details.tenant}" on ${details.endpoint}${said(details)}`, details);
  }
}

export class ZoomNotFoundError extends ZoomError {
  readonly type = 'ZoomNotFoundError';
  readonly retryable = false;
  constructor(details: ZoomErrorDetails) {
    super(`Zoom has no such resource for tenant "${details.tenant}" on ${details.endpoint}${said(details)}`, details);
  }
}

/**
 * Any other 4xx: the request itself is wrong (validation, plan feature missing, too old), or the
 * client refused to send it (`problem`, e.g. a download URL on a host not allowed for the tenant).
 */
export class ZoomRequestError extends ZoomError {
  readonly type = 'ZoomRequestError';
  readonly retryable = false;
  readonly problem: string | undefined;
  constructor(details: ZoomErrorDetails & { problem?: string }) {
    super(
      details.problem === undefined
        ? `Zoom refused the request of tenant "${details.tenant}" on ${details.endpoint}${said(details)}`
        : `Request of tenant "${details.tenant}" to ${details.endpoint} refused: ${details.problem}`,
      details,
    );
    this.problem = details.problem;
  }
  protected override extraJSON(): Record<string, unknown> {
    return this.problem === undefined ? {} : { problem: this.problem };
  }
}

/** Per-second limit still hit after the client's own pauses; retry after `retryAfterMs`. */
export class ZoomRateLimitedError extends ZoomError {
  readonly type = 'ZoomRateLimitedError';
  readonly retryable = true;
  readonly retryAfterMs: number;
  constructor(details: ZoomErrorDetails & { retryAfterMs: number }) {
    super(`Zoom per-second rate limit for tenant "${details.tenant}" on ${details.endpoint}, retry in ${details.retryAfterMs} ms${said(details)}`, details);
    this.retryAfterMs = details.retryAfterMs;
  }
  protected override extraJSON(): Record<string, unknown> {
    return { retryAfterMs: this.retryAfterMs };
  }
}

/** Daily quota spent: nothing helps before `resetsAt` (next 00:00 UTC unless Zoom said otherwise). */
export class ZoomDailyLimitError extends ZoomError {
  readonly type = 'ZoomDailyLimitError';
  readonly retryable = false;
  readonly resetsAt: Date;
  readonly category: string;
  constructor(details: ZoomErrorDetails & { resetsAt: Date; category: string }) {
    super(`Zoom daily rate limit (${details.category}) spent for tenant "${details.tenant}" on ${details.endpoint}, resets at ${details.resetsAt.toISOString()}${said(details)}`, details);
    this.resetsAt = details.resetsAt;
    this.category = details.category;
  }
  protected override extraJSON(): Record<string, unknown> {
    return { resetsAt: this.resetsAt.toISOString(), category: this.category };
  }
}

/** 5xx or a network failure, after the client's own retries. */
export class ZoomServerError extends ZoomError {
  readonly type = 'ZoomServerError';
  readonly retryable = true;
  constructor(details: ZoomErrorDetails) {
    const network = details.httpStatus === undefined && details.cause instanceof Error ? ` (network: ${details.cause.message})` : '';
    super(`Zoom server error for tenant "${details.tenant}" on ${details.endpoint}${said(details)}${network}`, details);
  }
}

/** A response that does not match what we rely on (schema), or a listing that is inconsistent. */
export class ZoomBadResponseError extends ZoomError {
  readonly type = 'ZoomBadResponseError';
  readonly retryable: boolean;
  readonly problem: string;
  constructor(details: ZoomErrorDetails & { problem: string; retryable?: boolean }) {
    super(`Unexpected Zoom response for tenant "${details.tenant}" on ${details.endpoint}: ${details.problem}`, details);
    this.problem = details.problem;
    this.retryable = details.retryable ?? false;
  }
  protected override extraJSON(): Record<string, unknown> {
    return { problem: this.problem };
  }
}

/**
 * A download that is not the file: wrong size, truncated (a retry or resume may help), or an HTML
 * page where the file should be (`retryable: false`: Zoom answers so for a deleted recording).
 */
export class ZoomDownloadIntegrityError extends ZoomError {
  readonly type = 'ZoomDownloadIntegrityError';
  readonly retryable: boolean;
  readonly problem: string;
  /** Bytes of the file delivered so far (offset included): resume from here. */
  readonly bytesReceived: number | undefined;
  constructor(details: ZoomErrorDetails & { problem: string; bytesReceived?: number; retryable?: boolean }) {
    super(`Zoom download for tenant "${details.tenant}" failed its integrity check: ${details.problem}`, details);
    this.problem = details.problem;
    this.bytesReceived = details.bytesReceived;
    this.retryable = details.retryable ?? true;
  }
  protected override extraJSON(): Record<string, unknown> {
    return { problem: this.problem, bytesReceived: this.bytesReceived };
  }
}

export const isZoomError = (e: unknown): e is ZoomError => e instanceof ZoomError;
