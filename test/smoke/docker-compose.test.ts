import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readEnv } from '../../src/config/env.js';

// No Docker engine runs here, so the compose file is checked for what it promises: the services,
// pinned images, Temporal on PostgreSQL, and archiver commands and settings that exist in this repo.
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: string[] | Record<string, unknown>;
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has Temporal with its Web UI, PostgreSQL, an S3 server, the worker and the API', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'minio', 'postgresql', 'temporal', 'temporal-ui', 'worker']);
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      expect(service.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(service.image, name).not.toMatch(/:latest$/);
    }
  });

  it('persists Temporal in the PostgreSQL service and points the UI at it', () => {
    expect(services.temporal?.environment?.DB).toBe('postgres12');
    expect(services.temporal?.environment?.POSTGRES_SEEDS).toBe('postgresql');
    expect(services['temporal-ui']?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(services['temporal-ui']?.ports).toContain('8080:8080');
  });

  it('runs archiver entry points that exist, configured with settings the archiver reads', () => {
    for (const name of ['worker', 'api']) {
      const service = services[name]!;
      expect(service.build, name).toBe('.');
      const entry = service.command?.find((part) => part.endsWith('.ts'));
      expect(entry && existsSync(entry), `${name} runs ${entry}`).toBe(true);
      const env: Record<string, string> = { ...service.environment, ARCHIVER_SECRET_KEY: 'x' };
      expect(() => readEnv(env), name).not.toThrow();
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(env.DATABASE_URL).toMatch(/@postgresql:5432\//);
      expect(env.S3_ENDPOINT).toBe('http://minio:9000');
    }
  });

  it('has a Dockerfile that copies what the entry points need', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    for (const path of ['package-lock.json', 'src', 'drizzle']) expect(dockerfile).toContain(path);
  });
});
