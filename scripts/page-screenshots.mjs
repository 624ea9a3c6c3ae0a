// Takes the README's screenshots of the sample app's page: `npm run build && node scripts/page-screenshots.mjs`.
// Starts the compiled sample app on a temporary SQLite file and drives Debian's Chromium (CHROMIUM_PATH).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'nta-shots-'));
const port = 3000 + Math.floor(Math.random() * 2000);
const base = `http://localhost:${port}`;
const app = spawn(process.execPath, [join(root, 'dist/sample-app/main.js')], {
  env: { PATH: process.env.PATH, PORT: String(port), DATABASE_URL: `sqlite:${join(dir, 'shots.sqlite')}`, AUTH_MODE: 'rotate', ACCESS_TTL: '60', LOGIN_LIMIT: '100' },
  stdio: 'ignore',
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await fetch(`${base}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'correct horse battery' }) });
  const logIn = async (name, agent) => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 }, userAgent: agent });
    const page = await context.newPage();
    await page.goto(base);
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', 'correct horse battery');
    await page.fill('input[name=name]', name);
    await page.click('#login');
    await page.waitForSelector('#signed-in:not([hidden])');
    return page;
  };
  const signedOut = await (await browser.newContext({ viewport: { width: 1000, height: 420 } })).newPage();
  await signedOut.goto(base);
  await signedOut.waitForSelector('#signed-out:not([hidden])');
  await signedOut.screenshot({ path: join(root, 'docs/sample-page-login.png') });
  await logIn('phone', 'Mozilla/5.0 (Linux; Android 15) Mobile');
  const page = await logIn('laptop', 'Mozilla/5.0 (X11; Linux x86_64) Chromium/156');
  await page.click('#renew');
  await page.click('#call-me');
  await page.click('#reload-sessions');
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(root, 'docs/sample-page.png'), fullPage: true });
} finally {
  await browser.close();
  app.kill();
  rmSync(dir, { recursive: true, force: true });
}
