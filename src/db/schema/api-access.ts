import { bigserial, index, integer, jsonb, pgEnum, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from './columns.js';

// Who may use the support API, and what they did with it. Keys are stored as a SHA-256 of their
// secret only: the secret is shown once, when the key is made.

/** viewer reads; operator also recovers, pauses, triggers and retries. */
export const API_ROLES = ['viewer', 'operator'] as const;
export type ApiRole = (typeof API_ROLES)[number];
export const apiRole = pgEnum('api_role', API_ROLES);

export const apiKeys = pgTable('api_keys', {
  // The public half of the key (`za_<id>_<secret>`): found by id, then the secret's hash compared.
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: apiRole('role').notNull(),
  // Null: every tenant.
  tenants: text('tenants').array(),
  secretSha256: text('secret_sha256').notNull(),
  createdAt: instant('created_at').notNull().defaultNow(),
  // A rotated key stays valid until revoked, so clients move over without downtime.
  revokedAt: instant('revoked_at'),
  lastUsedAt: instant('last_used_at'),
});

/** Every mutating call to the support API: who, what, when, and how it ended. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: instant('at').notNull().defaultNow(),
    keyId: text('key_id').notNull(),
    keyName: text('key_name').notNull(),
    method: text('method').notNull(),
    route: text('route').notNull(),
    tenantId: text('tenant_id'),
    statusCode: integer('status_code').notNull(),
    // The request's parameters and body, cut short; never a secret.
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_log_tenant_at').on(t.tenantId, t.at)],
);
