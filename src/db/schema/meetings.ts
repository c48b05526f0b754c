import { index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { instant, lifecycleDates } from './columns.js';
import { syncSource } from './sync.js';
import { tenantColumn } from './tenants.js';

// Every held meeting a listing returned for a configured user, with what a child workflow needs
// besides its files. Listings are written here rather than carried in workflow payloads, so a sync
// pages through them with a cursor whatever the tenant's size, and support can retry a meeting
// (or a file of it) later from its row alone.
export const listedMeetings = pgTable(
  'listed_meetings',
  {
    tenantId: tenantColumn(),
    source: syncSource('source').notNull(),
    uuid: text('uuid').notNull(),
    meetingNumber: text('meeting_number').notNull(),
    topic: text('topic').notNull(),
    // Empty for a meeting hosted outside the account (Zoom hides the host).
    hostId: text('host_id').notNull(),
    startTime: instant('start_time').notNull(),
    durationMinutes: integer('duration_minutes').notNull(),
    lastListedAt: instant('last_listed_at').notNull().defaultNow(),
    ...lifecycleDates,
  },
  (t) => [
    primaryKey({ name: 'listed_meetings_pk', columns: [t.tenantId, t.source, t.uuid] }),
    index('listed_meetings_tenant_source_start').on(t.tenantId, t.source, t.startTime),
  ],
);
