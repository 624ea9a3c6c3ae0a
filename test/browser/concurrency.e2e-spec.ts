/// <reference lib="dom" />
import { buildClient, logIn, register, sleep, Stage, stage } from './harness';

// Scenario 2: the access token expires while two tabs fire 10 requests each: one refresh in all.
describe('browser: one refresh for 20 requests in two tabs (rotate mode)', () => {
  let s: Stage;
  beforeAll(async () => {
    buildClient();
    // Long enough that the refreshed token outlives the burst even on a loaded machine.
    s = await stage({ AUTH_MODE: 'rotate', ACCESS_TTL: '12', REUSE_GRACE: '1' });
  });
  afterAll(() => s?.close());

  // Both tabs fire at one wall-clock moment: started one after the other, a late tab could find the
  // refresh already done and send the new token, which a loaded machine did once.
  const fireTenAt = (at: number) =>
    new Promise((resolve) => setTimeout(resolve, at - Date.now())).then(() => Promise.all(Array.from({ length: 10 }, async () => (await (window as any).client('/me')).status)));

  it.each([
    ['the clients know the token expired', false],
    ['the clients believe it still valid (clock skew), so all 20 get 401 expired first', true],
  ])('%s', async (_title, skewed) => {
    const user = skewed ? 'bob' : 'carol';
    await register(s.url, user);
    // ?ahead=0: no renewal ahead of expiry, so the token really expires under the requests.
    const { context, page: tab1 } = await s.open('?ahead=0');
    await logIn(tab1, user);
    const tab2 = await context.newPage();
    await tab2.goto(`${s.url}/?ahead=0`);
    await tab2.waitForSelector('#signed-in:not([hidden])');
    const expiry = (await tab1.evaluate(() => (window as any).client.state().expiry)) as number;
    await sleep(expiry - Date.now() + 300);
    if (skewed) await tab1.evaluate(() => localStorage.setItem('nta', JSON.stringify({ ...JSON.parse(localStorage.nta), expiry: Date.now() + 3_600_000 })));
    const refreshesBefore = s.count('POST', '/auth/refresh');
    const expiredBefore = s.count('GET', '/me', 401);

    const at = Date.now() + 500;
    const [first, second] = await Promise.all([tab1.evaluate(fireTenAt, at), tab2.evaluate(fireTenAt, at)]);

    // On failure, the request log says what the server saw.
    const log = s.seen.map((r) => `${r.method} ${r.path} ${r.status}`).join('\n');
    expect({ statuses: [...first, ...second], log }).toEqual({ statuses: Array(20).fill(200), log: expect.any(String) });
    expect({ refreshes: s.count('POST', '/auth/refresh') - refreshesBefore, log }).toEqual({ refreshes: 1, log });
    expect(s.count('POST', '/auth/refresh') - refreshesBefore).toBe(1);
    expect(s.count('POST', '/auth/refresh', 200) - refreshesBefore).toBe(1);
    expect(s.count('GET', '/me', 401) - expiredBefore).toBe(skewed ? 20 : 0);
    const rows = s.rows();
    // The family: login pair + one rotated pair; nothing revoked, no reuse.
    const family = rows.filter((row) => row.family_id === rows[rows.length - 1].family_id);
    expect(family.filter((row) => row.kind === 'refresh')).toHaveLength(2);
    expect(rows.filter((row) => row.revoked_at !== null)).toHaveLength(0);
    expect(s.instance.output()).not.toContain('reuse detected');
    expect(await tab1.getAttribute('body', 'data-logout')).toBeNull();
    // The refresh panel of whichever tab won the lock shows it; the other tab did not refresh.
    const panels = `${await tab1.textContent('#refreshes')}${await tab2.textContent('#refreshes')}`;
    expect(panels.match(/refresh after the token expired: ok/g)).toHaveLength(1);
    await context.close();
  });
});
