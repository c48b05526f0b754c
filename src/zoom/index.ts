/** The Zoom client: the one place where the archiver talks to Zoom. */
export { createZoomClient, ZoomClient, type ZoomClientDeps, type DateRange, type UserStatus, type DashboardType } from './client.js';
export {
  parseZoomTenantConfig,
  zoomTenantConfigSchema,
  resolveRateLimits,
  PLAN_RATE_LIMITS,
  DEFAULT_DOWNLOAD_HOSTS,
  type ZoomTenantConfig,
  type ZoomTenantConfigInput,
  type ZoomPlan,
  type ApiFamily,
  type RateCategory,
  type RateRule,
  type RateLimitProfile,
  type RateLimitOverrides,
} from './config.js';
export {
  ZoomError,
  ZoomAuthError,
  ZoomNotFoundError,
  ZoomRequestError,
  ZoomRateLimitedError,
  ZoomDailyLimitError,
  ZoomServerError,
  ZoomBadResponseError,
  ZoomDownloadIntegrityError,
  isZoomError,
  type ZoomErrorType,
} from './errors.js';
export type { DownloadRequest, DownloadResult } from './download.js';
export type { RetryOptions } from './http.js';
export { encodeMeetingId } from './meeting-id.js';
export { Listing, type ListingStats } from './paging.js';
export { RateLimiter, nextUtcMidnight, parseRetryAfter, systemClock, type Clock, type Pacer } from './rate-limiter.js';
export { SharedRateLimiter, type PacingStore, type SharedRateLimiterOptions } from './shared-rate-limiter.js';
export type * from './schemas.js';
export { UsageCounters, utcDay, type UsageRow } from './usage.js';
export { dateWindows, timeWindows, type DateWindow, type TimeWindow } from './windows.js';
export { verifyWebhook, signWebhook, urlValidationResponse, WebhookReplayGuard, type VerifyWebhookInput, type WebhookVerification, type WebhookRejection } from './webhooks.js';
