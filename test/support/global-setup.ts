import { execSync } from 'node:child_process';
import { admin, DatabaseName, MARIADB, MARIADB_URL, POSTGRES_URL, selectedDatabases } from './databases';
import { connectRedis, REDIS_URL, redisSelected } from './redis';

const CONNECT_TIMEOUT_MS = 3000;

/** Each networked database: how to reach it, which variable moves it, and a quick probe. */
const SERVERS: Record<Exclude<DatabaseName, 'sqlite'>, { address: string; variable: string; probe: () => Promise<void> }> = {
  postgres: {
    address: POSTGRES_URL,
    variable: 'TEST_POSTGRES_URL',
    probe: () => admin({ type: 'postgres', url: POSTGRES_URL, connectTimeoutMS: CONNECT_TIMEOUT_MS }, ['SELECT 1']),
  },
  mariadb: {
    address: MARIADB_URL,
    variable: 'TEST_MARIADB_URL',
    probe: () => admin({ type: 'mysql', ...MARIADB, connectTimeout: CONNECT_TIMEOUT_MS }, ['SELECT 1']),
  },
};

/**
 * Runs once per jest run: says which services the suite covers and which it leaves out, fails at once
 * (naming the service and its variable) when a selected one does not answer, and builds dist/.
 */
export default async function globalSetup(): Promise<void> {
  const databases = selectedDatabases();
  const redis = redisSelected();
  const left = [
    ...(['postgres', 'mariadb'] as const).filter((d) => !databases.includes(d)).map((d) => `${d} (add it to TEST_DATABASES)`),
    ...(redis ? [] : ['redis (TEST_REDIS=1)']),
  ];
  process.stdout.write(`\n[nest-token-auth] e2e databases: ${databases.join(', ')}; Redis: ${redis ? 'selected' : 'not selected'}\n`);
  if (left.length) process.stdout.write(`[nest-token-auth] not selected, so their tests are not built in this run: ${left.join(', ')}\n`);

  const failures: string[] = [];
  for (const name of databases) {
    if (name === 'sqlite') continue;
    const server = SERVERS[name];
    await server.probe().catch((error: Error) => failures.push(`${name} is selected (TEST_DATABASES) but does not answer at ${server.address} (set ${server.variable}): ${error.message}`));
  }
  if (redis) {
    await connectRedis({ connectTimeout: CONNECT_TIMEOUT_MS })
      .then((client) => client.quit())
      .catch((error: Error) => failures.push(`redis is selected (TEST_REDIS=1) but does not answer at ${REDIS_URL} (set TEST_REDIS_URL): ${error.message}`));
  }
  if (failures.length) throw new Error(`[nest-token-auth] ${failures.join('\n[nest-token-auth] ')}`);

  // Process-level tests (several sample-app instances) run the compiled app.
  execSync('npx tsc -p tsconfig.build.json', { stdio: 'inherit' });
  // The browser tests serve the client module the sample app hands to the page.
  execSync('node client/build.mjs', { stdio: 'inherit' });
}
