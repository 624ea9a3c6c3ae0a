/// <reference lib="dom" />
import { buildClient, logIn, register, sleep, Stage, stage } from './harness';

// Scenario 5: in extend mode an active page keeps its session alive past the first expiry; an idle one expires.
describe('browser: extend mode keeps active pages alive', () => {
  let s: Stage;
  beforeAll(async () => {
    buildClient();
    // 8 s: the extension a quarter-life ahead (2 s) must land in time even on a loaded machine.
    s = await stage({ AUTH_MODE: 'extend', ACCESS_TTL: '8', MIN_REFRESH_INTERVAL: '0' });
  });
  afterAll(() => s?.close());

  it('extends the active page ahead of expiry and lets the idle one expire', async () => {
    await register(s.url, 'erin');
    await register(s.url, 'frank');
    const active = await s.open();
    const idle = await s.open();
    await logIn(active.page, 'erin');
    await logIn(idle.page, 'frank');
    // Each use slides the expiry (MIN_REFRESH_INTERVAL 0), and the page's own requests after login may still
    // be in flight: take each page's expiry once the client has seen the one its row holds.
    const settled = async (page: typeof active.page): Promise<number> => {
      for (let i = 0; i < 100; i++) {
        const expiry = (await page.evaluate(() => (window as any).client.state().expiry)) as number;
        if (s.rows().some((row) => row.expires_at === expiry)) return expiry;
        await sleep(50);
      }
      throw new Error("the page's expiry never matched its row");
    };
    const firstExpiry = await settled(active.page);
    const idleExpiry = await settled(idle.page);
    const meBefore = s.count('GET', '/me');

    // The user moves the mouse for more than twice the token's life; the page makes no request of its own.
    // Long enough for two extensions a quarter-life ahead (at 6 s and 12 s of an 8 s token).
    const until = Math.max(firstExpiry, idleExpiry) + 7000;
    for (let x = 0; Date.now() < until; x = (x + 37) % 400) {
      await active.page.mouse.move(50 + x, 80);
      await sleep(200);
    }

    expect(s.count('GET', '/me')).toBe(meBefore);
    expect(await active.page.evaluate(async () => (await (window as any).client('/me')).status)).toBe(200);
    expect(await idle.page.evaluate(async () => (await (window as any).client('/me')).status)).toBe(401);
    await idle.page.waitForSelector('body[data-logout]');
    expect(await idle.page.getAttribute('body', 'data-logout')).toBe('expired');
    expect(await idle.page.textContent('#notice')).toContain('the session expired');
    expect(await active.page.getAttribute('body', 'data-logout')).toBeNull();
    expect(await active.page.textContent('#refreshes')).toContain('extend ahead of expiry: ok');

    // What the server saw: extensions (all from the active page), one 401 (the idle page's), and the rows' expiries.
    expect(s.count('POST', '/auth/extend', 200)).toBeGreaterThanOrEqual(2);
    expect(s.count('POST', '/auth/extend')).toBe(s.count('POST', '/auth/extend', 200));
    expect(s.count('GET', '/me', 401)).toBe(1);
    const expiries = s.rows().map((row) => row.expires_at as number);
    expect(expiries).toHaveLength(2);
    expect(expiries.filter((expiry) => expiry > firstExpiry + 2000)).toHaveLength(1);
    expect(expiries).toContain(idleExpiry);
  });
});
