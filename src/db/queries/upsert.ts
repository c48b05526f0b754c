import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { z } from 'zod';
import { InvalidInputError, UnknownTenantError } from '../errors.js';

const alwaysKept = new Set(['id', 'tenantId', 'createdAt', 'updatedAt']);

/**
 * ON CONFLICT DO UPDATE parts that replace every column with the incoming row, but only when
 * something differs: writing the same row twice changes nothing, not even updated_at.
 */
export function replaceIfChanged(table: PgTable, keyColumns: readonly string[]): { set: Record<string, SQL>; setWhere: SQL } {
  const columns = Object.entries(getTableColumns(table)).filter(([prop]) => !alwaysKept.has(prop) && !keyColumns.includes(prop));
  const set: Record<string, SQL> = { updatedAt: sql`now()` };
  for (const [prop, column] of columns) set[prop] = sql.raw(`excluded."${column.name}"`);
  const current = sql.join(columns.map(([, column]) => sql`${table}.${sql.identifier(column.name)}`), sql`, `);
  const incoming = sql.join(columns.map(([, column]) => sql.raw(`excluded."${column.name}"`)), sql`, `);
  return { set, setWhere: sql`(${current}) is distinct from (${incoming})` };
}

/** `(xmax = 0)` is true for a row this statement inserted, false for one it updated. */
export const wasInserted = sql<boolean>`(xmax = 0)`;

function databaseErrorCode(err: unknown): string | undefined {
  // drizzle wraps driver errors (DrizzleQueryError) and keeps the driver's error as the cause.
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Runs a write for a tenant and turns a foreign-key violation on the tenant into UnknownTenantError. */
export async function forTenant<T>(tenantId: string, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (databaseErrorCode(err) === '23503') throw new UnknownTenantError(tenantId);
    throw err;
  }
}

/** Validates input at the edge of the database; the error lists every problem with its path. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidInputError(what, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  return parsed.data;
}
