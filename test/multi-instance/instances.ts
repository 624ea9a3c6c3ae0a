import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../bench/free-port';

const MAIN = join(__dirname, '..', '..', 'dist', 'sample-app', 'main.js');
const BOOT_TIMEOUT_MS = 20_000;

/** A running `node dist/sample-app/main.js`. */
export interface Instance {
  url: string;
  /** Everything the process printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts the compiled sample app on a free port and resolves once `/health` answers. */
export async function startInstance(env: Record<string, string>): Promise<Instance> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first`);
  const port = await freePort();
  // Only PATH from the parent: a developer's own AUTH_MODE or DATABASE_URL must not leak into the test.
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const instance: Instance = { url: `http://127.0.0.1:${port}`, output: () => output, stop: () => stop(child, exited) };
  try {
    await waitForHealth(instance.url, exited);
  } catch (error) {
    await instance.stop();
    throw new Error(`${(error as Error).message}\n--- sample-app output ---\n${output}`);
  }
  return instance;
}

async function waitForHealth(url: string, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (gone) throw new Error('the sample app exited during boot');
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the sample app did not answer ${url}/health within ${BOOT_TIMEOUT_MS} ms`);
}

/** SIGTERM (graceful: shutdown hooks close Redis and the pool), then SIGKILL if it lingers. */
async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const lingering = new Promise<'lingering'>((resolve) => (timer = setTimeout(() => resolve('lingering'), 5000)));
  if ((await Promise.race([exited, lingering])) === 'lingering') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

