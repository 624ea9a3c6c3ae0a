import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../sample-app/app.module';
import { configureApp } from '../../sample-app/app.setup';
import { readConfig } from '../../sample-app/config';
import { admin, DatabaseName, MARIADB, POSTGRES_URL } from '../support/databases';
import { CapturingLogger } from '../support/test-app';

export const TOKEN_SECRET = 'sample-app-security-secret-0123456789abcdef';

/** A private database as a DATABASE_URL (the sample app takes nothing else), and how to remove it. */
export async function sampleDatabase(kind: DatabaseName): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `nta_ss_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (kind === 'postgres') {
    const pg = { type: 'postgres' as const, url: POSTGRES_URL };
    await admin(pg, [`CREATE DATABASE "${name}"`]);
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    return { url: url.toString(), drop: () => admin(pg, [`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`]) };
  }
  if (kind === 'mariadb') {
    const my = { type: 'mysql' as const, ...MARIADB };
    await admin(my, [`CREATE DATABASE \`${name}\``]);
    return { url: `mariadb://root@127.0.0.1:3306/${name}`, drop: () => admin(my, [`DROP DATABASE IF EXISTS \`${name}\``]) };
  }
  return { url: 'sqlite::memory:', drop: async () => undefined };
}

/**
 * Keeps every log line as Nest's ConsoleLogger would print it: an object (an error with its `query`
 * and `parameters`, say) is written out with `util.inspect`, not reduced to its message.
 */
export class InspectingLogger extends CapturingLogger {
  protected override format(part: unknown): string {
    return typeof part === 'string' ? part : inspect(part, { depth: 5 });
  }
}

/** The sample app in this process, set up as main.ts sets it up, on a real port, with its log captured. */
export interface SampleApp {
  app: INestApplication;
  logs: InspectingLogger;
  http(): ReturnType<typeof request>;
  dataSource: DataSource;
  close(): Promise<void>;
}

export async function startSampleApp(kind: DatabaseName, env: Record<string, string> = {}): Promise<SampleApp> {
  const database = await sampleDatabase(kind);
  const config = readConfig({ DATABASE_URL: database.url, TOKEN_SECRET, ...env });
  const logs = new InspectingLogger();
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forConfig(config)] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: logs });
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    logs,
    http: () => request(url),
    dataSource: app.get(DataSource),
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
