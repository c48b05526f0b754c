import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { NETWORK_PROFILES, startSimulator } from './index.js';
import type { NetworkProfileName } from './index.js';

/** `npm run sim -- --port <port> --seed <n> --credentials-out <file> [--freeze-clock] [--network zoom-like]`: the simulator as its own process. */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: '1' },
    'credentials-out': { type: 'string' },
    now: { type: 'string' },
    'freeze-clock': { type: 'boolean', default: false },
    'webhook-url': { type: 'string' },
    users: { type: 'string' },
    days: { type: 'string' },
    'meetings-per-day': { type: 'string' },
    plan: { type: 'string' },
    network: { type: 'string', default: 'loopback' },
  },
});

const NETWORK_NAMES: readonly string[] = Object.keys(NETWORK_PROFILES);
if (!NETWORK_NAMES.includes(values.network)) throw new Error(`--network must be one of ${NETWORK_NAMES.join(', ')}, got '${values.network}'`);

const number = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));

const sim = await startSimulator({
  host: values.host,
  port: Number(values.port),
  seed: Number(values.seed),
  now: values.now,
  freezeClock: values['freeze-clock'],
  webhookUrl: values['webhook-url'],
  network: values.network as NetworkProfileName,
  tenants: [{
    users: number(values.users),
    days: number(values.days),
    meetingsPerDay: number(values['meetings-per-day']),
    plan: values.plan === 'pro' ? 'pro' : values.plan === 'business' ? 'business' : undefined,
  }],
});

const tenant = sim.tenants[0];
const credentials = { baseUrl: sim.baseUrl, apiBaseUrl: sim.apiBaseUrl, oauthTokenUrl: sim.oauthTokenUrl, controlUrl: `${sim.baseUrl}/_sim`, ...tenant, tenants: sim.tenants };
if (values['credentials-out']) await writeFile(values['credentials-out'], `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
console.log(`Zoom simulator listening on ${sim.baseUrl} (seed ${values.seed}, network ${values.network}); account ${tenant?.accountId ?? '-'}`);

const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
