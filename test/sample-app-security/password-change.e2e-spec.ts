import { selectedDatabases } from '../support/databases';
import { SampleApp, startSampleApp } from './sample-app';

const LOGIN_LIMIT = 3;

describe.each(selectedDatabases())('sample app POST /me/password on %s', (kind) => {
  let s: SampleApp;
  // Each test is its own client (TRUST_PROXY=1), so each has its own login budget.
  const from = (ip: string) => ({
    register: (username: string, password: string) => s.http().post('/users').set('X-Forwarded-For', ip).send({ username, password }),
    login: (username: string, password: string) => s.http().post('/auth/login').set('X-Forwarded-For', ip).send({ username, password }),
    change: (token: string | null, body: object) => {
      const call = s.http().post('/me/password').set('X-Forwarded-For', ip);
      return (token ? call.set('Authorization', `Bearer ${token}`) : call).send(body);
    },
  });

  beforeAll(async () => {
    s = await startSampleApp(kind, { LOGIN_LIMIT: String(LOGIN_LIMIT), LOGIN_WINDOW: '60', REGISTER_LIMIT: '1000', TRUST_PROXY: '1' });
  });
  afterAll(() => s.close());

  it('requires the current password: a stolen me:write token alone cannot take the account', async () => {
    const c = from('203.0.113.1');
    await c.register('victim', 'victim-password').expect(201);
    const { token } = (await c.login('victim', 'victim-password').expect(200)).body;
    const missing = await c.change(token, { password: 'attacker-password' });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: 'invalid_request', field: 'currentPassword' });
    const wrong = await c.change(token, { currentPassword: 'a-guess-1234', password: 'attacker-password' });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ error: 'invalid_current_password' });
    // Nothing changed: the old password still logs in, the attacker's does not, the token still works.
    expect((await from('203.0.113.20').login('victim', 'attacker-password')).status).toBe(401);
    expect((await from('203.0.113.2').login('victim', 'victim-password')).status).toBe(200);
    expect((await s.http().get('/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
  });

  it('counts every attempt against the login limit per client IP: 429 with Retry-After, even for the right password', async () => {
    const c = from('203.0.113.3');
    await c.register('guessed', 'guessed-password').expect(201);
    // The token was stolen from a session opened elsewhere; the thief guesses from its own address.
    const { token } = (await from('203.0.113.30').login('guessed', 'guessed-password').expect(200)).body;
    for (let i = 0; i < LOGIN_LIMIT; i++) {
      expect((await c.change(token, { currentPassword: `guess-${i}-guess`, password: 'attacker-password' })).status).toBe(403);
    }
    const limited = await c.change(token, { currentPassword: 'guessed-password', password: 'attacker-password' });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: 'rate_limited', retryAfter: expect.any(Number) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another client (the owner, elsewhere) still can.
    const owner = from('198.51.100.9');
    const own = (await owner.login('guessed', 'guessed-password').expect(200)).body;
    expect((await owner.change(own.token, { currentPassword: 'guessed-password', password: 'owner-new-password' })).status).toBe(204);
  });

  it('shares the login bucket: failed logins from a client leave it fewer password checks, and the reverse', async () => {
    const c = from('203.0.113.5');
    await c.register('shared', 'shared-password').expect(201);
    const { token } = (await from('203.0.113.50').login('shared', 'shared-password').expect(200)).body;
    for (let i = 0; i < LOGIN_LIMIT; i++) expect((await c.login('shared', `wrong-${i}-wrong`)).status).toBe(401);
    expect((await c.change(token, { currentPassword: 'shared-password', password: 'shared-new-password' })).status).toBe(429);
    const d = from('203.0.113.6');
    for (let i = 0; i < LOGIN_LIMIT; i++) expect((await d.change(token, { currentPassword: `wrong-${i}-wrong`, password: 'x-new-password' })).status).toBe(403);
    expect((await d.login('shared', 'shared-password')).status).toBe(429);
  });

  it('checks the token before counting: requests without one cost the client nothing', async () => {
    const c = from('203.0.113.4');
    for (let i = 0; i < LOGIN_LIMIT + 2; i++) expect((await c.change(null, { currentPassword: 'x', password: 'y' })).status).toBe(401);
    await c.register('patient', 'patient-password').expect(201);
    const { token } = (await c.login('patient', 'patient-password').expect(200)).body;
    expect((await c.change(token, { currentPassword: 'patient-password', password: 'patient-new-password' })).status).toBe(204);
  });
});
