import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';
import { DEFAULT_TOKEN_TABLE, TABLE_NAME_PATTERN } from './token.entity';

/** Options of `createTokenTableMigration()`. */
export interface TokenTableMigrationOptions {
  /** Name of the token table. Default `'auth_tokens'`. */
  tableName?: string;
  /** Migration name; TypeORM requires it to end in a 13-digit timestamp. Default `CreateTokenTable_<table>_1767225600000`. */
  name?: string;
}

/** Fixed, not `Date.now()`: TypeORM records the name, so it must be the same on every boot. */
const CREATED = 1767225600000;

/**
 * A TypeORM migration that creates the token table exactly as `tokenEntity(tableName)` describes it
 * (a spec checks that the schema diff is empty on every database). It is written out rather than
 * derived from the entity on purpose: a migration is a snapshot, and later entity changes need
 * their own migration, not a silent change to one that has already run.
 */
export function createTokenTableMigration(options: TokenTableMigrationOptions = {}): new () => MigrationInterface {
  const { table, name } = targetOf('createTokenTableMigration', options, 'CreateTokenTable', CREATED);

  return class CreateTokenTable implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.createTable(
        new Table({
          name: table,
          columns: COLUMNS,
          indices: [
            new TableIndex({ name: `${table}_key_id_uq`, columnNames: ['key_id'], isUnique: true }),
            new TableIndex({ name: `${table}_user_idx`, columnNames: ['user_id'] }),
            new TableIndex({ name: `${table}_family_idx`, columnNames: ['family_id'] }),
          ],
        }),
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.dropTable(table);
    }
  };
}

/** A migration's table and name, checked: the name defaults to `<prefix>_<table>_<timestamp>`. */
function targetOf(factory: string, options: TokenTableMigrationOptions, prefix: string, timestamp: number): { table: string; name: string } {
  const table = options.tableName ?? DEFAULT_TOKEN_TABLE;
  if (!TABLE_NAME_PATTERN.test(table)) throw new Error(`${factory}: tableName must match ${TABLE_NAME_PATTERN} (got "${table}")`);
  const name = options.name ?? `${prefix}_${table}_${timestamp}`;
  if (!/\d{13}$/.test(name)) throw new Error(`${factory}: name must end in a 13-digit timestamp (got "${name}")`);
  return { table, name };
}

const text = (name: string, length: number, isNullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable });
const time = (name: string, isNullable: boolean): TableColumnOptions => ({ name, type: 'bigint', isNullable });

const COLUMNS: TableColumnOptions[] = [
  { ...text('id', 36), isPrimary: true },
  text('key_id', 16),
  text('digest', 64),
  text('hash_key_id', 32),
  text('user_id', 64),
  text('kind', 8),
  text('family_id', 36),
  text('parent_id', 36, true),
  time('login_at', false),
  time('created_at', false),
  time('expires_at', true),
  time('absolute_expires_at', true),
  time('last_used_at', true),
  time('spent_at', true),
  time('revoked_at', true),
  text('revoked_reason', 32, true),
  text('name', 100, true),
  text('ip', 45, true),
  text('user_agent', 255, true),
  text('scopes', 512, true),
];

/** Options of `createSuccessorSealMigration()`. */
export type SuccessorSealMigrationOptions = TokenTableMigrationOptions;

/** 2026-12-01: after `CREATED`, so TypeORM runs it after the table exists. */
const SEAL_ADDED = 1796083200000;

/**
 * 0.2.0: adds the nullable `successor_seal` column (a rotation's sealed successor pair, kept for the
 * grace window). Existing rows need no change: a NULL seal is what every unspent row holds.
 */
export function createSuccessorSealMigration(options: SuccessorSealMigrationOptions = {}): new () => MigrationInterface {
  const { table, name } = targetOf('createSuccessorSealMigration', options, 'AddSuccessorSeal', SEAL_ADDED);

  return class AddSuccessorSeal implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.addColumn(table, new TableColumn(text('successor_seal', 255, true)));
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.dropColumn(table, 'successor_seal');
    }
  };
}

/** Options of `createDpopBindingMigration()`. */
export type DpopBindingMigrationOptions = TokenTableMigrationOptions;

/** 2027-01-01: after `SEAL_ADDED`. */
const DPOP_ADDED = 1798761600000;

/**
 * 0.2.0, after the seal: adds the nullable `dpop_jkt` column (the thumbprint of the DPoP key a session is bound to).
 * Existing rows need no change: NULL is an unbound (bearer) session, as every session was before.
 */
export function createDpopBindingMigration(options: DpopBindingMigrationOptions = {}): new () => MigrationInterface {
  const { table, name } = targetOf('createDpopBindingMigration', options, 'AddDpopBinding', DPOP_ADDED);

  return class AddDpopBinding implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.addColumn(table, new TableColumn(text('dpop_jkt', 64, true)));
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.dropColumn(table, 'dpop_jkt');
    }
  };
}

/**
 * Every migration of the token table, oldest first: list these in your DataSource's `migrations`
 * (`migrations: tokenTableMigrations()`); each release that changes the table adds one here.
 */
export function tokenTableMigrations(options: { tableName?: string } = {}): (new () => MigrationInterface)[] {
  return [createTokenTableMigration(options), createSuccessorSealMigration(options), createDpopBindingMigration(options)];
}
