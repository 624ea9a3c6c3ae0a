import { selectedDatabases } from '../support/databases';
import { SampleApp, startSampleApp } from './sample-app';

const PASSWORD = 'registration-password';
const CONCURRENT = 8;

describe.each(selectedDatabases())('sample app registration on %s', (kind) => {
  let s: SampleApp;

  beforeAll(async () => {
    s = await startSampleApp(kind, { REGISTER_LIMIT: '1000' });
  });
  afterAll(() => s.close());

  it('answers concurrent registrations of one name with exactly one 201 and 409s, never a 500 or a logged hash', async () => {
    const responses = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => s.http().post('/users').send({ username: 'racer', password: `${PASSWORD}-${i}` })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(CONCURRENT - 1).fill(409)]);
    const [row] = await s.dataSource.query(`SELECT * FROM users`);
    const log = s.logs.lines.join('\n');
    expect(log).not.toMatch(/\$2[aby]\$\d\d\$/);
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(row.passwordHash);
  });

  it('says a name is taken without echoing it', async () => {
    await s.http().post('/users').send({ username: 'zebra', password: PASSWORD }).expect(201);
    const again = await s.http().post('/users').send({ username: 'zebra', password: PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: 'username_taken', message: expect.any(String) });
    expect(JSON.stringify(again.body)).not.toContain('zebra');
  });
});

describe('sample app registration rate limit', () => {
  let s: SampleApp;

  beforeAll(async () => {
    s = await startSampleApp('sqlite', { REGISTER_LIMIT: '3', REGISTER_WINDOW: '60', TRUST_PROXY: '1' });
  });
  afterAll(() => s.close());

  const register = (username: string, ip: string) => s.http().post('/users').set('X-Forwarded-For', ip).send({ username, password: PASSWORD });

  it('limits registrations per client IP, refusals and 409s included, with 429 and Retry-After', async () => {
    expect((await register('first', '203.0.113.7')).status).toBe(201);
    expect((await register('first', '203.0.113.7')).status).toBe(409);
    expect((await register('x y', '203.0.113.7')).status).toBe(400);
    const limited = await register('fourth', '203.0.113.7');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: 'rate_limited', retryAfter: expect.any(Number) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another client is unaffected.
    expect((await register('fourth', '198.51.100.4')).status).toBe(201);
  });
});
