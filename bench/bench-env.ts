import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { runInfraScript } from '../src/local/infra-scripts.js';

// What several benches share: sizes read from the environment, and a database of their own.

/** A positive integer from the environment (a bench's size knob), or `fallback` when unset. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

/** A fresh database on the local PostgreSQL for `body`, dropped afterwards. */
export async function withBenchDatabase<T>(body: (url: string) => Promise<T>): Promise<T> {
  const adminUrl = runInfraScript('start-postgres');
  const name = `za_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await body(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end({ timeout: 1 });
  }
}
