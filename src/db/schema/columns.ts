import { timestamp } from 'drizzle-orm/pg-core';

// Column fragments every table shares, defined once so their names and types never drift.

/** A point in time; always with time zone, read back as a Date. */
export const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Row lifecycle dates; `updatedAt` is set by the query functions on every real change. */
export const lifecycleDates = {
  createdAt: instant('created_at').notNull().defaultNow(),
  updatedAt: instant('updated_at').notNull().defaultNow(),
};
