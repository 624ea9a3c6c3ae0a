#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { DataSource, DataSourceOptions } from 'typeorm';
import { DEFAULT_TOKEN_TABLE, TABLE_NAME_PATTERN, tokenEntity } from '../storage/token.entity';
import { TokenPurger } from '../storage/token.purger';
import { KnoxTable } from '../legacy/knox/knox-table';

const USAGE = `usage: nest-token-auth-purge --database-url <sqlite:./file|postgres://...|mysql://...|mariadb://...>
       [--table auth_tokens] [--revoked-older-than 604800] [--batch-size 1000] [--knox-table knox_authtoken] [--dry-run]
(DATABASE_URL is used when --database-url is absent)`;

const HELP = `Deletes dead rows (expired, long-revoked, spent rows of ended sessions) from a nest-token-auth token table.
  --database-url         the database (or DATABASE_URL)
  --table                the token table (default auth_tokens)
  --revoked-older-than   seconds a revoked row is kept (default 604800, 7 days)
  --batch-size           rows deleted per statement, 1-10000 (default 1000)
  --knox-table           also delete expired rows of this django-rest-knox table (legacy.knox)
  --dry-run              count what would be deleted, delete nothing
  -h, --help             print this help`;

/** A bad command line; exits 2 with the message and the usage. */
class UsageError extends Error {}

interface PurgeCommand {
  connection: DataSourceOptions;
  table: string;
  revokedOlderThan: number;
  batchSize: number;
  dryRun: boolean;
  knoxTable: string | null;
}

/** Deletes dead token rows from the command line, with no Nest app: only TypeORM and the driver. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // Before parsing, so `--help` works whatever else the line holds.
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${HELP}\n${USAGE}\n`);
    return 0;
  }
  let command: PurgeCommand;
  try {
    command = parseCommand(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) throw error;
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const started = Date.now();
  const dataSource = new DataSource({ ...command.connection, entities: [tokenEntity(command.table)], synchronize: false, logging: false } as DataSourceOptions);
  try {
    await dataSource.initialize();
    const purger = new TokenPurger(dataSource, command.table);
    const { expired, revoked, spent, seals } = await purger.purge({ revokedOlderThan: command.revokedOlderThan, batchSize: command.batchSize, dryRun: command.dryRun });
    const knox = command.knoxTable === null ? '' : `, ${await new KnoxTable(dataSource, command.knoxTable).purgeExpired(Date.now(), command.dryRun)} expired rows from ${command.knoxTable}`;
    const summary = `${expired} expired, ${revoked} revoked, ${spent} spent rows from ${command.table}${knox}, ${seals} successor seals older than an hour in ${Date.now() - started} ms`;
    process.stdout.write(command.dryRun ? `dry run: would purge ${summary}\n` : `purged ${summary}\n`);
    return 0;
  } catch (error) {
    // The message only: a stack helps nobody at 3 a.m., and the URL may carry a password.
    process.stderr.write(`purge failed: ${redact(String((error as Error)?.message ?? error), command.connection)}\n`);
    return 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
  }
}

function parseCommand(argv: string[], env: NodeJS.ProcessEnv): PurgeCommand {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'database-url': { type: 'string' },
      table: { type: 'string', default: DEFAULT_TOKEN_TABLE },
      'revoked-older-than': { type: 'string', default: '604800' },
      'batch-size': { type: 'string', default: '1000' },
      'dry-run': { type: 'boolean', default: false },
      'knox-table': { type: 'string' },
    },
  });
  const url = values['database-url'] ?? env.DATABASE_URL;
  if (!url) throw new UsageError('--database-url (or DATABASE_URL) is required');
  if (!TABLE_NAME_PATTERN.test(values.table)) throw new UsageError(`--table must match ${TABLE_NAME_PATTERN} (got "${values.table}")`);
  const knoxTable = values['knox-table'] ?? null;
  if (knoxTable !== null && !TABLE_NAME_PATTERN.test(knoxTable)) throw new UsageError(`--knox-table must match ${TABLE_NAME_PATTERN} (got "${knoxTable}")`);
  return {
    connection: connectionOf(url),
    table: values.table,
    revokedOlderThan: whole('--revoked-older-than', values['revoked-older-than'], 0, Number.MAX_SAFE_INTEGER),
    batchSize: whole('--batch-size', values['batch-size'], 1, 10000),
    dryRun: values['dry-run'],
    knoxTable,
  };
}

function connectionOf(url: string): DataSourceOptions {
  const scheme = /^([a-z0-9]+):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=[./])/, '');
    if (!file) throw new UsageError('--database-url sqlite: needs a file path, e.g. sqlite:./app.sqlite');
    // fileMustExist: a mistyped path must fail, not silently become a new empty database.
    return { type: 'better-sqlite3', database: file, fileMustExist: true };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') return { type: 'postgres', url };
  if (scheme === 'mysql' || scheme === 'mariadb') return { type: scheme, url };
  throw new UsageError('--database-url must start with sqlite:, postgres://, postgresql://, mysql:// or mariadb://');
}

function whole(flag: string, raw: string, min: number, max: number): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got "${raw}")`);
  return value;
}

function redact(message: string, connection: DataSourceOptions): string {
  const url = (connection as { url?: string }).url;
  const password = url && URL.canParse(url) ? decodeURIComponent(new URL(url).password) : '';
  return password ? message.split(password).join('***') : message;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => (process.exitCode = code),
    (error) => {
      process.stderr.write(`purge failed: ${(error as Error)?.message ?? error}\n`);
      process.exitCode = 1;
    },
  );
}
