import { pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { TokenAuthUserProvider } from '../../lib';
import { createTestDatabase, DatabaseName, TestDatabase } from '../support/databases';

/** What make-knox-fixtures.py wrote for one database. */
export interface KnoxFixture {
  knox: string;
  password: string;
  statements: string[];
  rows: { auth_user: Record<string, unknown>[]; knox_authtoken: Record<string, unknown>[] };
  tokens: { user: string; userId: number; label: string; token: string }[];
}

export function loadFixture(name: DatabaseName): KnoxFixture {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', `knox-${name}.json`), 'utf8'));
}

/** A private database holding Django's schema and the rows knox wrote (SQLite on a file, so two connections see it). */
export async function knoxDatabase(name: DatabaseName, fixture: KnoxFixture): Promise<TestDatabase> {
  let database: TestDatabase;
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'nta-knox-'));
    database = { name, options: { type: 'better-sqlite3', database: join(dir, 'django.sqlite3') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  } else {
    database = await createTestDatabase(name);
  }
  const ds = new DataSource(database.options);
  await ds.initialize();
  try {
    for (const statement of fixture.statements) await ds.query(statement);
    for (const [table, rows] of Object.entries(fixture.rows)) {
      for (const row of rows) {
        const columns = Object.keys(row);
        const marks = columns.map((_, i) => (name === 'postgres' ? `$${i + 1}` : '?'));
        // Times are naive UTC as the database held them; PostgreSQL is told so.
        const values = columns.map((c) => (name === 'postgres' && typeof row[c] === 'string' && /^\d{4}-\d\d-\d\d \d\d:/.test(row[c] as string) ? `${row[c]}+00` : row[c]));
        await ds.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${marks.join(', ')})`, values.map((v) => (typeof v === 'boolean' && name === 'sqlite' ? Number(v) : v)));
      }
    }
  } finally {
    await ds.destroy();
  }
  return database;
}

/**
 * The host's users, read from Django's own `auth_user` as a migrating app would: inactive users
 * are no users (as knox's `validate_user` has it), passwords are Django's `pbkdf2_sha256` hashes.
 */
export class DjangoUsers implements TokenAuthUserProvider<{ id: number; username: string }> {
  dataSource!: DataSource;

  async findById(id: string) {
    const [row] = await this.dataSource.query(`SELECT id, username, is_active FROM auth_user WHERE id = ${this.mark()}`, [id]);
    return row && (row.is_active === true || Number(row.is_active) === 1) ? { id: Number(row.id), username: row.username } : null;
  }

  async verifyCredentials(username: string, password: string) {
    const [row] = await this.dataSource.query(`SELECT id, username, password, is_active FROM auth_user WHERE username = ${this.mark()}`, [username]);
    if (!row || !(row.is_active === true || Number(row.is_active) === 1)) return null;
    const [algorithm, iterations, salt, hash] = String(row.password).split('$');
    if (algorithm !== 'pbkdf2_sha256') return null;
    const derived = pbkdf2Sync(password, salt, Number(iterations), 32, 'sha256');
    return timingSafeEqual(derived, Buffer.from(hash, 'base64')) ? { id: Number(row.id), username: row.username } : null;
  }

  serialize(user: { id: number; username: string }) {
    return user;
  }

  private mark(): string {
    return this.dataSource.options.type === 'postgres' ? '$1' : '?';
  }
}
