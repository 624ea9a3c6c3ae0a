/// <reference lib="dom" />
import { buildClient, logIn, register, Stage, stage } from './harness';

// Scenario 1: the page lists its sessions; revoking another one logs that browser out at its next request.
describe.each(['extend', 'rotate'])('browser: sessions and revoke (%s mode)', (mode) => {
  let s: Stage;
  beforeAll(async () => {
    buildClient();
    s = await stage({ AUTH_MODE: mode });
  });
  afterAll(() => s?.close());

  it('lists the session, and a session revoked from the first browser is logged out at its next request', async () => {
    await register(s.url, 'alice');
    const first = await s.open();
    await logIn(first.page, 'alice', 'laptop');
    await first.page.waitForSelector('#sessions tr.current');
    expect(await first.page.textContent('#sessions tr.current')).toContain('laptop (this one)');
    expect(await first.page.textContent('#sessions tr.current')).toContain('HeadlessChrome');

    const second = await s.open();
    await logIn(second.page, 'alice', 'phone');
    await first.page.click('#reload-sessions');
    await first.page.waitForSelector('#sessions tr:not(.current)');
    expect(await first.page.locator('#sessions tr').count()).toBe(2);
    expect(await first.page.textContent('#sessions tr:not(.current)')).toContain('phone');

    await first.page.click('#sessions tr:not(.current) button.revoke');
    await first.page.waitForFunction(() => document.querySelectorAll('#sessions tr').length === 1);
    expect(s.count('DELETE', '/auth/tokens/*', 204)).toBe(1);

    const before = s.count('GET', '/me', 401);
    await second.page.click('#call-me');
    await second.page.waitForSelector('body[data-logout]');
    expect(await second.page.getAttribute('body', 'data-logout')).toBe('revoked');
    expect(await second.page.textContent('#notice')).toContain('this session was revoked');
    expect(await second.page.isVisible('#signed-out')).toBe(true);
    expect(s.count('GET', '/me', 401) - before).toBe(1);
    // No refresh was tried for a revoked session, and the first browser still works.
    expect(s.count('POST', '/auth/refresh')).toBe(0);
    expect(await first.page.evaluate(async () => (await (window as any).client('/me')).status)).toBe(200);
    const revoked = s.rows().filter((row) => row.revoked_at !== null);
    expect(new Set(revoked.map((row) => row.family_id)).size).toBe(1);
  });
});

