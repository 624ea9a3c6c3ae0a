import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, request as forward } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { Instance, startInstance } from '../multi-instance/instances';

const ROOT = join(__dirname, '..', '..');
/** Debian's Chromium (.ci/browser-setup.sh installs it); never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The network here is closed: no background fetches, no QUIC probes.
const CHROMIUM_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** One request as the sample app saw it (through the counting proxy in front of it). */
export interface Seen {
  method: string;
  path: string;
  status: number;
}

/** A token row as the server stored it. */
export interface Row {
  kind: string;
  family_id: string;
  spent_at: number | null;
  revoked_at: number | null;
  revoked_reason: string | null;
  expires_at: number | null;
}

/** The compiled sample app on SQLite, behind a proxy that logs every request, and a headless Chromium. */
export interface Stage {
  /** The page's origin: `http://localhost:<port>` (a secure context, so Secure cookies work over HTTP). */
  url: string;
  seen: Seen[];
  /** Requests seen with this method and path (`/auth/tokens/*`: a prefix), and this status if given. */
  count(method: string, path: string, status?: number): number;
  rows(): Row[];
  instance: Instance;
  browser: Browser;
  /** A new browser profile (own cookies and storage) with the page open, ready. */
  open(query?: string): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/**
 * Builds the browser client into dist/client (the compiled sample app serves it at /client/) unless
 * the build is newer than its sources: parallel test files must not rewrite it under a running page.
 */
export function buildClient(): void {
  const built = join(ROOT, 'dist', 'client', 'index.mjs');
  const sources = [...readdirSync(join(ROOT, 'client')).map((name) => join(ROOT, 'client', name)), join(ROOT, 'lib', 'wire.ts')];
  if (existsSync(built) && sources.every((source) => statSync(source).mtimeMs < statSync(built).mtimeMs)) return;
  execFileSync(process.execPath, [join(ROOT, 'client', 'build.mjs')], { stdio: 'inherit' });
}

export async function stage(env: Record<string, string>): Promise<Stage> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run .ci/browser-setup.sh (apt-get install chromium)`);
  const dir = mkdtempSync(join(tmpdir(), 'nta-browser-'));
  const file = join(dir, 'app.sqlite');
  const instance = await startInstance({ DATABASE_URL: `sqlite:${file}`, TOKEN_SECRET: randomBytes(32).toString('base64url'), ...env });
  const target = new URL(instance.url);
  const seen: Seen[] = [];
  const proxy = createServer((incoming, outgoing) => {
    const upstream = forward({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      seen.push({ method: incoming.method ?? '', path: (incoming.url ?? '').split('?')[0], status: answer.statusCode ?? 0 });
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://localhost:${(proxy.address() as { port: number }).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const db = () => new Database(file, { readonly: true, fileMustExist: true });
  return {
    url,
    seen,
    instance,
    browser,
    count: (method, path, status) =>
      seen.filter((s) => s.method === method && (path.endsWith('*') ? s.path.startsWith(path.slice(0, -1)) : s.path === path) && (status === undefined || s.status === status)).length,
    rows: () => {
      const connection = db();
      try {
        return connection.prepare('SELECT kind, family_id, spent_at, revoked_at, revoked_reason, expires_at FROM auth_tokens ORDER BY created_at').all() as Row[];
      } finally {
        connection.close();
      }
    },
    open: async (query = '') => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${url}/${query}`);
      await page.waitForSelector('body[data-ready]');
      return { context, page };
    },
    close: async () => {
      await browser.close();
      await new Promise((resolve) => proxy.close(resolve));
      await instance.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Registers (through the API) and logs in on the page's form. */
export async function register(stageUrl: string, username: string, password = 'correct horse battery'): Promise<void> {
  const response = await fetch(`${stageUrl}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (response.status !== 201) throw new Error(`register ${username}: ${response.status} ${await response.text()}`);
}

export async function logIn(page: Page, username: string, name = 'browser', password = 'correct horse battery'): Promise<void> {
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.fill('input[name=name]', name);
  await page.click('#login');
  await page.waitForSelector('#signed-in:not([hidden])');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
