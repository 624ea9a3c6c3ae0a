/// <reference lib="dom" />
import { buildClient, logIn, register, sleep, Stage, stage } from './harness';

// Scenario 3: a script steals the refresh token and refreshes first; the page's next refresh is reuse.
describe('browser: a stolen refresh token (rotate mode, tokens in storage)', () => {
  let s: Stage;
  beforeAll(async () => {
    buildClient();
    s = await stage({ AUTH_MODE: 'rotate', ACCESS_TTL: '2', REUSE_GRACE: '0' });
  });
  afterAll(() => s?.close());

  it('logs the page out as compromised and kills the thief\'s tokens too', async () => {
    await register(s.url, 'dave');
    const { page } = await s.open('?ahead=0');
    await logIn(page, 'dave');
    const stolen = (await page.evaluate(() => JSON.parse(localStorage.getItem('nta')!).refresh)) as string;
    const thief = await fetch(`${s.url}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: stolen }) });
    expect(thief.status).toBe(200);
    const loot = (await thief.json()) as { token: string; refreshToken: string };

    const expiry = (await page.evaluate(() => (window as any).client.state().expiry)) as number;
    await sleep(expiry - Date.now() + 300);
    await page.click('#call-me');
    await page.waitForSelector('body[data-logout]');

    expect(await page.getAttribute('body', 'data-logout')).toBe('reused');
    expect(await page.textContent('#notice')).toContain('logged out because the session was compromised');
    expect(await page.isVisible('#signed-out')).toBe(true);
    expect(await page.evaluate(() => localStorage.getItem('nta'))).toBeNull();
    // What the server saw: the thief's refresh, then the page's, refused as reuse; the family is revoked.
    expect(s.count('POST', '/auth/refresh', 200)).toBe(1);
    expect(s.count('POST', '/auth/refresh', 400)).toBe(1);
    const rows = s.rows();
    expect(rows).toHaveLength(4);
    expect(rows.every((row) => row.revoked_at !== null || row.spent_at !== null)).toBe(true);
    expect(rows.filter((row) => row.revoked_reason === 'reuse-detected').length).toBeGreaterThanOrEqual(2);
    expect(s.instance.output()).toContain('refresh token reuse detected');

    const thiefCall = await fetch(`${s.url}/me`, { headers: { authorization: `Bearer ${loot.token}` } });
    expect(thiefCall.status).toBe(401);
    expect(((await thiefCall.json()) as { reason: string }).reason).toBe('revoked');
    const thiefRefresh = await fetch(`${s.url}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: loot.refreshToken }) });
    expect(thiefRefresh.status).toBe(400);
    expect(await thiefRefresh.json()).toMatchObject({ error: 'invalid_grant', reason: 'revoked' });
  });
});
