import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CacheInvalidationChannel } from '../token-cache';

/** Timing of the PostgreSQL channel (milliseconds). */
export interface PostgresInvalidationOptions {
  /** The NOTIFY channel. Default `nest_token_auth`. */
  channel?: string;
  /** How often the listener proves it still receives. Default 1000. */
  heartbeatMs?: number;
  /** A heartbeat not back within this declares the connection lost. Default 1000. */
  timeoutMs?: number;
}

/** How `application_name` of a listening connection starts (operators find them in pg_stat_activity). */
export const LISTENER_APPLICATION_NAME = 'nest-token-auth-listener';

/**
 * Cache invalidation over PostgreSQL `LISTEN`/`NOTIFY`, so a PostgreSQL deployment needs nothing
 * else. Revocations publish with `pg_notify` inside their own transaction, so the message leaves
 * exactly when the revocation commits. A dedicated connection (not one of the pool's) listens; every
 * `heartbeatMs` it notifies itself and waits for that message: PostgreSQL delivers a session's
 * notifications in commit order, so a returned heartbeat proves every revocation committed before it
 * was applied. A heartbeat late by `timeoutMs`, or any connection error, turns the cache off (and
 * empties it) until the listener is back. The staleness bound is therefore `heartbeatMs + timeoutMs`
 * for a silently dead connection, and the notification latency otherwise.
 */
export function postgresCacheInvalidation(dataSource: DataSource, options: PostgresInvalidationOptions = {}): CacheInvalidationChannel & { readonly bound: number; readonly applicationName: string } {
  const channel = options.channel ?? 'nest_token_auth';
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 1000;
  const logger = new Logger('TokenAuth');
  const instance = randomBytes(6).toString('hex');
  const applicationName = `${LISTENER_APPLICATION_NAME} ${instance}`;
  const pool = () => {
    const master = (dataSource.driver as any).master;
    if (!master) throw new Error('the PostgreSQL pool is closed');
    return master;
  };

  let closed = false;
  let client: any = null;
  let beat = 0;
  let awaiting: { id: number; timer: NodeJS.Timeout } | null = null;
  let heartbeatTimer: NodeJS.Timeout | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let retryMs = 100;
  let deliver: (message: string) => void = () => undefined;
  let report: (listening: boolean) => void = () => undefined;

  const drop = (why: string) => {
    if (!client) return;
    const lost = client;
    client = null;
    if (awaiting) clearTimeout(awaiting.timer);
    awaiting = null;
    if (heartbeatTimer) clearTimeout(heartbeatTimer);
    heartbeatTimer = null;
    report(false);
    lost.removeAllListeners('notification');
    lost.on('error', () => undefined);
    lost.end().catch(() => undefined);
    if (!closed) {
      logger.warn(`cache invalidation listener lost (${why}); reconnecting`);
      schedule();
    }
  };

  const schedule = () => {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, retryMs);
    retryTimer.unref();
    retryMs = Math.min(retryMs * 2, 2000);
  };

  const heartbeat = () => {
    heartbeatTimer = null;
    if (!client) return;
    const id = ++beat;
    const timer = setTimeout(() => drop(`heartbeat not back within ${timeoutMs} ms`), timeoutMs);
    timer.unref();
    awaiting = { id, timer };
    client.query('SELECT pg_notify($1, $2)', [channel, `p:${instance}:${id}`]).catch((error: Error) => drop(error.message));
  };

  const connect = async () => {
    if (closed || client) return;
    const Client = pool().Client;
    const candidate = new Client({ ...pool().options, application_name: applicationName });
    candidate.on('error', (error: Error) => (client === candidate ? drop(error.message) : undefined));
    candidate.on('end', () => (client === candidate ? drop('connection ended') : undefined));
    candidate.on('notification', (note: { channel: string; payload?: string }) => {
      if (note.channel !== channel || note.payload === undefined) return;
      if (!note.payload.startsWith('p:')) return deliver(note.payload);
      if (note.payload === `p:${instance}:${awaiting?.id}`) {
        clearTimeout(awaiting!.timer);
        awaiting = null;
        heartbeatTimer = setTimeout(heartbeat, heartbeatMs);
        heartbeatTimer.unref();
      }
    });
    try {
      await candidate.connect();
      await candidate.query(`LISTEN ${quoteIdentifier(channel)}`);
    } catch (error) {
      candidate.on('error', () => undefined);
      candidate.end().catch(() => undefined);
      if (!closed) {
        logger.warn(`cache invalidation listener could not connect (${(error as Error).message}); retrying`);
        schedule();
      }
      return;
    }
    if (closed) return void candidate.end().catch(() => undefined);
    client = candidate;
    retryMs = 100;
    report(true);
    heartbeatTimer = setTimeout(heartbeat, heartbeatMs);
    heartbeatTimer.unref();
  };

  return {
    bound: heartbeatMs + timeoutMs,
    applicationName,
    publish: (message) => pool().query('SELECT pg_notify($1, $2)', [channel, message]),
    statement: (message) => ({ sql: 'SELECT pg_notify($1, $2)', params: [channel, message] }),
    subscribe: async (onMessage, onState) => {
      deliver = onMessage;
      report = onState ?? (() => undefined);
      report(false);
      await connect();
    },
    close: async () => {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const last = client;
      drop('closing');
      await last?.end().catch(() => undefined);
    },
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
