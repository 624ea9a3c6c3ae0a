import { spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { Instance, startInstance } from '../multi-instance/instances';
import { TOKEN_SECRET } from './sample-app';

const MAIN = join(__dirname, '..', '..', 'dist', 'sample-app', 'main.js');

/** Runs the compiled sample app until it exits by itself (or 20 s pass): its exit code and output. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the compiled sample app in production', () => {
  it('refuses to start under NODE_ENV=production without TOKEN_SECRET, naming the variable', async () => {
    const { code, output } = await runToExit({ NODE_ENV: 'production', DATABASE_URL: 'sqlite::memory:' });
    expect(code).toBe(1);
    expect(output).toContain('TOKEN_SECRET is required when NODE_ENV=production');
  });

  describe('with TOKEN_SECRET', () => {
    let app: Instance;

    beforeAll(async () => {
      app = await startInstance({ NODE_ENV: 'production', DATABASE_URL: 'sqlite::memory:', TOKEN_SECRET });
    });
    afterAll(() => app?.stop());

    it('sends no X-Powered-By header', async () => {
      for (const path of ['/health', '/me', '/no-such-route']) {
        expect((await request(app.url).get(path)).headers['x-powered-by']).toBeUndefined();
      }
    });

    it('serves no /docs unless DOCS=1', async () => {
      expect((await request(app.url).get('/docs')).status).toBe(404);
      expect((await request(app.url).get('/docs-json')).status).toBe(404);
    });

    it('answers an oversized body with a 413 and logs no stack trace for it', async () => {
      const before = app.output().length;
      for (const path of ['/users', '/auth/login']) {
        const response = await request(app.url).post(path).set('Content-Type', 'application/json').send(JSON.stringify({ username: 'x'.repeat(200_000) }));
        expect(response.status).toBe(413);
        expect(response.body).toEqual({ statusCode: 413, message: 'request entity too large' });
      }
      // A log line for the 413s would be written by now, but the pipe may hold it back for a moment.
      await request(app.url).get('/health');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const logged = app.output().slice(before);
      expect(logged).not.toMatch(/PayloadTooLargeError|request entity too large|\n\s+at /);
    });
  });

  it('serves /docs when DOCS=1', async () => {
    const app = await startInstance({ NODE_ENV: 'production', DATABASE_URL: 'sqlite::memory:', TOKEN_SECRET, DOCS: '1' });
    try {
      expect((await request(app.url).get('/docs')).status).toBe(200);
      expect(Object.keys((await request(app.url).get('/docs-json')).body.paths)).toContain('/auth/login');
    } finally {
      await app.stop();
    }
  });
});
