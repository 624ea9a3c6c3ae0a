import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port';

const MAIN = join(__dirname, '..', 'sample-app', 'main.js');
const PASSWORD = 'correct horse battery staple';

/** Sample-app processes sharing one database, as a user would run them behind a load balancer. */
export interface SampleApps {
  ports: number[];
  pids: number[];
  /** Access tokens of one user, one login each. */
  tokens: string[];
  stop(): Promise<void>;
}

/**
 * Starts `count` compiled sample apps (`NODE_ENV=production`, extend mode, defaults otherwise) on
 * `databaseUrl`, one after the other (their schema sync would race), then logs one user in `logins` times.
 */
export async function startSampleApps(count: number, databaseUrl: string, logins: number): Promise<SampleApps> {
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    TOKEN_SECRET: randomBytes(32).toString('base64url'),
    LOGIN_LIMIT: '1000000',
  };
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM'))))));
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const child = spawn(process.execPath, [MAIN], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
      await waitForHealth(`http://127.0.0.1:${port}`);
      ports.push(port);
    }
    const base = `http://127.0.0.1:${ports[0]}`;
    const username = `bench${randomBytes(4).toString('hex')}`;
    await post(`${base}/users`, { username, password: PASSWORD }, 201);
    const tokens: string[] = [];
    for (let i = 0; i < logins; i++) tokens.push(((await post(`${base}/auth/login`, { username, password: PASSWORD }, 200)) as { token: string }).token);
    return { ports, pids: children.map((c) => c.pid as number), tokens, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Resident set size of a process in bytes (Linux /proc), or NaN. */
export function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function post(url: string, body: unknown, expected: number): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== expected) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the sample app at ${url} did not start`);
}

