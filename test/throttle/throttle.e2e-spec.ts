import { selectedDatabases } from '../support/databases';
import { createTestApp, PASSWORD, TestApp } from '../support/test-app';

describe.each(selectedDatabases())('rate limits on %s', (database) => {
  let t: TestApp;
  const refresh = (refreshToken: unknown) => t.http().post('/auth/refresh').send({ refreshToken });

  beforeAll(async () => {
    t = await createTestApp({
      database,
      mode: 'rotate',
      options: { throttle: { login: { limit: 4, window: 60 }, refresh: { limit: 3, window: 60 } } },
    });
    await t.register('hank');
  });
  afterAll(() => t.close());

  it('limits refreshes per family with 429 and Retry-After, counting failed attempts, leaving other families alone', async () => {
    const a = await t.login('hank');
    const b = await t.login('hank');
    let pair: any = a;
    for (let i = 0; i < 3; i++) {
      const response = await refresh(pair.refreshToken);
      expect(response.status).toBe(200);
      pair = response.body;
    }
    const limited = await refresh(pair.refreshToken);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: 'rate_limited', retryAfter: expect.any(Number) });
    expect(limited.headers['cache-control']).toBe('no-store');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // The refused request never reached the rotation: the token is still unspent.
    const [row] = await t.dataSource.query(`SELECT spent_at FROM auth_tokens WHERE key_id = '${pair.refreshToken.slice(7, 19)}'`);
    expect(row.spent_at).toBeNull();
    // Another family is unaffected.
    expect((await refresh(b.refreshToken)).status).toBe(200);
  });

  it('counts malformed refresh attempts per client IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await refresh(`garbage-${i}`)).status);
    expect(statuses).toEqual([400, 400, 400, 429, 429]);
  });

  it('limits logins per client IP, wrong passwords included', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await t.http().post('/auth/login').send({ username: 'hank', password: i === 0 ? PASSWORD : 'wrong' })).status);
    }
    // Two logins above already used 2 of the 4.
    expect(statuses).toEqual([200, 401, 429, 429, 429]);
  });
});
