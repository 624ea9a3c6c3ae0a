import { selectedDatabases } from '../support/databases';
import { SampleApp, startSampleApp } from './sample-app';

const EURO_24 = '€'.repeat(24); // 72 bytes in UTF-8: the most bcrypt reads
const EURO_30 = '€'.repeat(30); // 30 characters, 90 bytes
const ASCII_72 = 'p'.repeat(72);

describe.each(selectedDatabases())('sample app passwords and bcrypt\'s 72 bytes on %s', (kind) => {
  let s: SampleApp;
  const register = (username: string, password: string) => s.http().post('/users').send({ username, password });
  const login = (username: string, password: string) => s.http().post('/auth/login').send({ username, password });

  beforeAll(async () => {
    s = await startSampleApp(kind, { REGISTER_LIMIT: '1000', LOGIN_LIMIT: '1000' });
  });
  afterAll(() => s.close());

  it.each([
    ['200 ASCII characters', 'x'.repeat(200)],
    ['73 ASCII characters', 'x'.repeat(73)],
    ['30 × "€" (90 bytes)', EURO_30],
    ['24 × "€" and one more byte', `${EURO_24}x`],
  ])('refuses to register a password of %s (400 naming the field)', async (_case, password) => {
    const refused = await register('longpass', password);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_request', field: 'password' });
  });

  it('accepts exactly 72 bytes, and nothing past them logs in', async () => {
    await register('euro', EURO_24).expect(201);
    await register('ascii', ASCII_72).expect(201);
    expect((await login('euro', EURO_24)).status).toBe(200);
    expect((await login('ascii', ASCII_72)).status).toBe(200);
    // bcrypt would accept these (it never reads byte 73): the app must not.
    for (const [username, password] of [['euro', EURO_30], ['euro', `${EURO_24}x`], ['ascii', `${ASCII_72}-anything`]]) {
      const refused = await login(username, password);
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ error: 'invalid_credentials' });
    }
  });

  it('answers an over-long login password (up to the module\'s 1024 characters) as invalid credentials, not a 500', async () => {
    for (const password of ['x'.repeat(1024), '€'.repeat(1024)]) {
      expect((await login('ascii', password)).status).toBe(401);
    }
  });

  it('applies the same rule to a new password at POST /me/password', async () => {
    await register('changer', 'changer-password').expect(201);
    const { token } = (await login('changer', 'changer-password').expect(200)).body;
    const change = (password: string) => s.http().post('/me/password').set('Authorization', `Bearer ${token}`).send({ currentPassword: 'changer-password', password });
    const refused = await change(EURO_30);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_request', field: 'password' });
    expect((await change(EURO_24)).status).toBe(204);
    expect((await login('changer', EURO_24)).status).toBe(200);
  });
});
