export * from './columns.js';
export * from './tenants.js';
export * from './conversations.js';
export * from './media-files.js';
export * from './sync.js';
export * from './reconciliation.js';
export * from './meetings.js';
export * from './rate-limits.js';
