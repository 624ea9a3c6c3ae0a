import { execSync } from 'node:child_process';
import { admin, MARIADB, POSTGRES_URL, selectedDatabases } from './databases';

/** Runs once per jest run: says which databases the suite covers, checks they answer, builds dist/. */
export default async function globalSetup(): Promise<void> {
  const databases = selectedDatabases();
  process.stdout.write(`\n[nest-token-auth] e2e databases: ${databases.join(', ')}\n`);
  for (const name of databases) {
    if (name === 'postgres') await admin({ type: 'postgres', url: POSTGRES_URL }, ['SELECT 1']);
    if (name === 'mariadb') await admin({ type: 'mysql', ...MARIADB }, ['SELECT 1']);
  }
  // Process-level tests (several sample-app instances) run the compiled app.
  execSync('npx tsc -p tsconfig.build.json', { stdio: 'inherit' });
}
