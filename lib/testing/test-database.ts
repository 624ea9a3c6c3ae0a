import { TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { EntitySchema } from 'typeorm';

/** Options of `inMemoryTokenDatabase`. */
export interface InMemoryTokenDatabaseOptions {
  /** The host's own entities, when it does not register them with `TypeOrmModule.forFeature`. */
  entities?: Array<string | Function | EntitySchema<unknown>>;
}

/**
 * `TypeOrmModule.forRoot(inMemoryTokenDatabase())`: a private in-memory SQLite database (needs the
 * `better-sqlite3` package) whose tables, the token table included (`autoLoadEntities`, whatever its
 * `tableName`), are created at boot. Each app gets its own, so tests stay independent; it dies with the app.
 */
export function inMemoryTokenDatabase(options: InMemoryTokenDatabaseOptions = {}): TypeOrmModuleOptions {
  return { type: 'better-sqlite3', database: ':memory:', entities: options.entities ?? [], autoLoadEntities: true, synchronize: true };
}
