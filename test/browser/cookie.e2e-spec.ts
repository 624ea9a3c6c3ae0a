/// <reference lib="dom" />
import { createServer, Server } from 'node:http';
import { buildClient, logIn, register, Stage, stage } from './harness';

const PASSWORD = 'correct horse battery';

// Scenario 4: with the cookie transport no token is readable by scripts, and a cross-site form can neither log in, refresh nor log out.
describe.each(['rotate', 'extend'])('browser: cookie transport (%s mode)', (mode) => {
  let s: Stage;
  let attacker: Server;
  let attackerUrl: string;
  beforeAll(async () => {
    buildClient();
    s = await stage({ AUTH_MODE: mode, AUTH_COOKIE: '1' });
    // Another site: 127.0.0.1 is a different site from localhost, so SameSite cookies stay home.
    attacker = createServer((request, response) => {
      const route = (request.url ?? '/').slice(1);
      const fields = route === 'login' ? `<input name="username" value="mallory"><input name="password" value="${PASSWORD}">` : '<input name="refreshToken" value="">';
      response.setHeader('content-type', 'text/html');
      response.end(`<form method="post" action="${s.url}/auth/${route}">${fields}</form>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => attacker?.close(resolve));
    await s?.close();
  });

  it('keeps every token out of reach of scripts', async () => {
    await register(s.url, 'grace');
    const { context, page } = await s.open();
    await logIn(page, 'grace');
    if (mode === 'rotate') expect(await page.evaluate(() => (window as any).client.refresh())).toBe(true);
    expect(await page.evaluate(async () => (await (window as any).client('/me')).status)).toBe(200);

    const readable = (await page.evaluate(() => [document.cookie, JSON.stringify(localStorage), JSON.stringify(sessionStorage)].join('\n'))) as string;
    expect(readable).not.toMatch(/ntk_/);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
    expect(cookies[0].name).toMatch(/^__(Host|Secure)-nta_/);
    expect(cookies[0].value).toMatch(/^ntk_/);
    await context.close();
  });

  it('refuses a cross-site form that logs in, refreshes or logs out', async () => {
    await register(s.url, 'heidi');
    await register(s.url, 'mallory');
    const { context, page } = await s.open();
    await logIn(page, 'heidi');
    const rowsBefore = s.rows().length;
    const victim = await context.newPage();
    for (const [route, refused] of [['login', 403], ['refresh', mode === 'rotate' ? 403 : 404], ['logout', 401]] as const) {
      const before = s.count('POST', `/auth/${route}`);
      const refusedBefore = s.count('POST', `/auth/${route}`, refused);
      await victim.goto(`${attackerUrl}/${route}`);
      await Promise.all([victim.waitForURL(`${s.url}/auth/${route}`), victim.evaluate(() => document.forms[0].submit())]);
      // The form's request reached the server and was refused there.
      expect(s.count('POST', `/auth/${route}`) - before).toBe(1);
      expect(s.count('POST', `/auth/${route}`, refused) - refusedBefore).toBe(1);
    }
    // No session was made for mallory, none revoked, and heidi's page still works.
    expect(s.rows()).toHaveLength(rowsBefore);
    expect(s.rows().filter((row) => row.revoked_at !== null)).toHaveLength(0);
    expect(await page.evaluate(async () => (await (window as any).client('/me')).status)).toBe(200);
    expect((await context.cookies()).map((cookie) => cookie.name)).toHaveLength(1);
    await context.close();
  });
});
