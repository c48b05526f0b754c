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
  volumes?: string[];
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has Temporal with its Web UI, PostgreSQL, an S3 server, the workers, the API and the tenants one-shot', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'minio', 'postgresql', 'temporal', 'temporal-ui', 'tenants', 'worker']);
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
    for (const name of ['worker', 'api', 'tenants']) {
      const service = services[name]!;
      expect(service.build, name).toBe('.');
      const entry = service.command?.find((part) => part.endsWith('.ts'));
      expect(entry && existsSync(entry), `${name} runs ${entry}`).toBe(true);
      const env: Record<string, string> = { ...service.environment, ARCHIVER_SECRET_KEY: 'x' };
      expect(() => readEnv(env), name).not.toThrow();
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(env.DATABASE_URL).toMatch(/@postgresql:5432\//);
      expect(env.S3_ENDPOINT).toBe('http://minio:9000');
      // The bucket on a fresh MinIO is created at start: no manual step.
      expect(readEnv(env).S3_CREATE_BUCKET, name).toBe(true);
    }
  });

  it('applies the tenants file with the CLI, mounted where its command reads it', () => {
    const tenants = services.tenants!;
    expect(tenants.command).toEqual(['npx', 'tsx', 'src/cli/tenants.ts', 'apply', '/config/tenants.yaml']);
    expect(tenants.volumes).toContain('./tenants.yaml:/config/tenants.yaml:ro');
  });

  it('has a Dockerfile that copies what the entry points need', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    for (const path of ['package-lock.json', 'src', 'drizzle']) expect(dockerfile).toContain(path);
  });
});
