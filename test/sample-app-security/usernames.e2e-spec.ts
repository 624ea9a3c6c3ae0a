import { selectedDatabases } from '../support/databases';
import { SampleApp, startSampleApp } from './sample-app';

const PASSWORD = 'username-test-password';

describe.each(selectedDatabases())('sample app usernames on %s', (kind) => {
  let s: SampleApp;
  const register = (username: unknown) => s.http().post('/users').send({ username, password: PASSWORD });
  const login = (username: string) => s.http().post('/auth/login').send({ username, password: PASSWORD });

  beforeAll(async () => {
    s = await startSampleApp(kind, { REGISTER_LIMIT: '1000', LOGIN_LIMIT: '1000' });
    await register('alice').expect(201);
  });
  afterAll(() => s.close());

  it.each([
    ['a zero-width space', 'alice\u200b'],
    ['a right-to-left override', '\u202eecila'],
    ['a trailing space', 'alice '],
    ['a leading space', ' mallory'],
    ['a control character', 'bell\u0007'],
    ['a newline', 'eve\nadmin'],
    ['a Cyrillic look-alike', '\u0430lice'],
    ['too short', 'al'],
    ['too long', 'a'.repeat(33)],
    ['a leading dot', '.hidden'],
    ['an empty string', ''],
    ['not a string', 42],
  ])('refuses a username with %s (400 naming the field)', async (_case, username) => {
    const refused = await register(username);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_request', field: 'username' });
  });

  it('stores the normalised form: fullwidth and upper-case letters fold into one name', async () => {
    const created = await register('ＢｏＢ.Smith');
    expect(created.status).toBe(201);
    expect(created.body.username).toBe('bob.smith');
    expect((await register('bob.smith')).status).toBe(409);
    expect((await register('ａｌｉｃｅ')).status).toBe(409);
    expect((await register('ALICE')).status).toBe(409);
  });

  it('normalises the login the same way: "ａｌｉｃｅ" and "Alice" are alice', async () => {
    for (const name of ['alice', 'ａｌｉｃｅ', 'Alice']) {
      const response = await login(name);
      expect(response.status).toBe(200);
      expect(response.body.user.username).toBe('alice');
    }
  });

  it('refuses a login whose username breaks the rule as plain invalid credentials', async () => {
    for (const name of ['alice\u200b', 'alice ', '\u202eecila', '\u0430lice', 'a'.repeat(150)]) {
      const response = await login(name);
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'invalid_credentials' });
    }
  });

  it('leaves only names that follow the rule in the table', async () => {
    const rows: { username: string }[] = await s.dataSource.query('SELECT username FROM users');
    expect(rows.map((r) => r.username).sort()).toEqual(['alice', 'bob.smith']);
  });
});
