import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { prepareForCheckpointer } from './sqlite-checkpointer';

/** TypeORM options for a DATABASE_URL (sqlite:<path>, sqlite::memory:, postgres://, mysql://). */
export function databaseOptions(url: string): TypeOrmModuleOptions {
  const common = { autoLoadEntities: true, synchronize: true } as const;
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    // WAL: readers never wait for the writer and commits do not fsync. Checkpoints do, so they run on a
    // worker thread (SqliteCheckpointer); a commit checkpoints by itself only past a far mark (the README explains).
    return {
      ...common,
      type: 'better-sqlite3',
      database: file,
      enableWAL: file !== ':memory:',
      prepareDatabase: prepareForCheckpointer,
    };
  }
  if (url.startsWith('postgres')) return { ...common, type: 'postgres', url };
  // TypeORM's own MariaDB dialect reads MariaDB's column defaults right (no endless synchronize ALTERs).
  return url.startsWith('mariadb:') ? { ...common, type: 'mariadb', url } : { ...common, type: 'mysql', url };
}
