import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drizzle } from 'drizzle-orm/postgres-js';
import { pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../harness/index.js';

const notes = pgTable('smoke_notes', {
  id: serial('id').primaryKey(),
  body: text('body').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

describe('PostgreSQL through drizzle', () => {
  let database: TestDatabase;
  let sql: postgres.Sql;
  beforeAll(async () => {
    database = await createTestDatabase();
    sql = postgres(database.url, { max: 2, onnotice: () => undefined });
  });
  afterAll(async () => {
    await sql?.end({ timeout: 1 });
    await database?.drop();
  });

  it('writes a row and reads it back', async () => {
    await sql`create table smoke_notes (id serial primary key, body text not null, created_at timestamptz not null default now())`;
    const db = drizzle(sql);
    const [inserted] = await db.insert(notes).values({ body: 'recording archived' }).returning();
    const [read] = await db.select().from(notes).where(eq(notes.id, inserted!.id));
    expect(read?.body).toBe('recording archived');
    expect(read?.createdAt).toBeInstanceOf(Date);
    const [server] = await sql<{ version: string }[]>`select version()`;
    expect(server?.version).toMatch(/^PostgreSQL \d+/);
  });

  it('gives each test file a database of its own', async () => {
    const [row] = await sql<{ name: string }[]>`select current_database() as name`;
    expect(row?.name).toBe(database.name);
  });
});
