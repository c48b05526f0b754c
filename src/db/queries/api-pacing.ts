import { sql, type SQL } from 'drizzle-orm';
import type { ApiFamily } from '../../zoom/config.js';
import { dailyQuotaReset, type PacingStore, type SlotGrant, type SlotRequest } from '../../zoom/shared-rate-limiter.js';
import type { Database } from '../client.js';
import { apiDailyQuotas, apiPacing } from '../schema/index.js';
import { forTenant } from './upsert.js';

// The shared Zoom budget of every worker process (src/zoom/shared-rate-limiter.ts): one statement
// per call, so two workers can never be handed the same slot or the quota's last call.

/** The instant a slot counts from: the caller's (tests), else the database's at the moment the row is locked. */
const nowOf = (at: Date | undefined): SQL => sql`coalesce(${at?.toISOString() ?? null}::timestamptz, clock_timestamp())`;

const millis = (ms: number): SQL => sql`(${ms}::float8 * interval '1 millisecond')`;

/** postgres-js answers `execute` with the rows, PGlite with `{ rows }`. */
const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];

interface ReserveRow {
  wait_ms: number | null;
  blocked_until_ms?: number | null;
  day?: string | null;
}

/**
 * GCRA: the call takes the slot at max(tat, now) + spacing - burst × spacing and moves tat to
 * max(tat, now) + spacing. With `daily`, it is first counted against the family's quota of the day,
 * and takes no slot when the quota is spent or blocked.
 */
export async function reservePacingSlot(db: Database, tenantId: string, request: SlotRequest): Promise<SlotGrant> {
  const { family, category, spacingMs, burst, daily, at } = request;
  const now = nowOf(at);
  const slot = (source: SQL) => sql`
    insert into ${apiPacing} as p (tenant_id, family, category, tat)
    select ${tenantId}, ${family}::api_family, ${category}::rate_category, ${now} + ${millis(spacingMs)} ${source}
    on conflict (tenant_id, family, category) do update
      set tat = greatest(p.tat, ${now}) + ${millis(spacingMs)}, updated_at = now()
    returning ceil(extract(epoch from p.tat - ${now}) * 1000 - ${burst * spacingMs}::numeric)::float8 as wait_ms`;
  const statement = daily === undefined
    ? slot(sql``)
    : sql`
      with counted as (
        insert into ${apiDailyQuotas} as q (tenant_id, family, day, used)
        values (${tenantId}, ${family}::api_family, ${daily.day}::date, 1)
        on conflict (tenant_id, family) do update
          -- A later day starts afresh; a worker whose clock is still on the day before counts in the newer day.
          set used = case when excluded.day > q.day then 1 else q.used + 1 end,
              day = greatest(q.day, excluded.day),
              updated_at = now()
          where (q.blocked_until is null or q.blocked_until <= ${daily.now.toISOString()}::timestamptz)
            and (excluded.day > q.day or q.used < ${daily.quota}::int)
        returning 1
      ),
      paced as (${slot(sql`from counted`)}),
      stored as (select blocked_until, day from ${apiDailyQuotas} where tenant_id = ${tenantId} and family = ${family}::api_family)
      select (select wait_ms from paced) as wait_ms,
             (select extract(epoch from blocked_until)::float8 * 1000 from stored) as blocked_until_ms,
             (select day::text from stored) as day`;
  const [row] = rowsOf<ReserveRow>(await forTenant(tenantId, db.execute(statement)));
  if (row?.wait_ms != null) return { waitMs: Math.max(0, row.wait_ms) };
  if (daily === undefined) throw new Error(`api_pacing of tenant "${tenantId}" returned no slot for ${family} ${category}`);
  // Refused, unsent: a block from Zoom's daily-limit 429 while it holds, else the quota counted this day is spent.
  const blockedUntil = row?.blocked_until_ms == null ? undefined : new Date(row.blocked_until_ms);
  if (blockedUntil && blockedUntil > daily.now) return { dailyBlockedUntil: blockedUntil };
  const day = row?.day != null && row.day > daily.day ? row.day : daily.day;
  return { dailyBlockedUntil: dailyQuotaReset(day) };
}

/** After a per-second 429: the category's next slot is `ms` from now, then one per spacing (no burst). */
export async function pausePacing(db: Database, tenantId: string, request: Parameters<PacingStore['pause']>[0]): Promise<void> {
  const { family, category, ms, spacingMs, burst, at } = request;
  // The first slot after tat is tat - (burst - 1) × spacing: push tat so that it is the end of the pause.
  const tat = sql`${nowOf(at)} + ${millis(ms + (burst - 1) * spacingMs)}`;
  await forTenant(
    tenantId,
    db
      .insert(apiPacing)
      .values({ tenantId, family, category, tat })
      .onConflictDoUpdate({
        target: [apiPacing.tenantId, apiPacing.family, apiPacing.category],
        set: { tat: sql`greatest(${apiPacing.tat}, excluded.tat)`, updatedAt: sql`now()` },
      }),
  );
}

/** After a daily-limit 429: no call counted against the family's quota goes out before `until`. */
export async function blockDailyQuota(db: Database, tenantId: string, family: ApiFamily, day: string, until: Date): Promise<void> {
  await forTenant(
    tenantId,
    db
      .insert(apiDailyQuotas)
      .values({ tenantId, family, day, used: 0, blockedUntil: until })
      .onConflictDoUpdate({
        target: [apiDailyQuotas.tenantId, apiDailyQuotas.family],
        set: { blockedUntil: sql`greatest(${apiDailyQuotas.blockedUntil}, excluded.blocked_until)`, updatedAt: sql`now()` },
      }),
  );
}

/** The shared pacing state of one tenant, for SharedRateLimiter. */
export function pacingStore(db: Database, tenantId: string): PacingStore {
  return {
    reserve: (request) => reservePacingSlot(db, tenantId, request),
    pause: (request) => pausePacing(db, tenantId, request),
    blockDaily: (family: ApiFamily, day: string, until: Date) => blockDailyQuota(db, tenantId, family, day, until),
  };
}
