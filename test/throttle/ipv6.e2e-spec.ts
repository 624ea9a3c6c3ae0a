import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { TokenAuthConfigError, TokenAuthModule } from '../../lib';
import { selectedDatabases } from '../support/databases';
import { createTestApp, TEST_SECRET, TestApp, TestUsers } from '../support/test-app';

/** Behind a proxy on loopback: `X-Forwarded-For` names the client. */
function trustLoopbackProxy(t: TestApp): void {
  t.app.getHttpAdapter().getInstance().set('trust proxy', 'loopback');
}

/** A second listener of the same app on the IPv6 loopback, so requests arrive from `::1`. */
async function listenOnIpv6Loopback(t: TestApp): Promise<{ url: string; server: Server }> {
  const server = createServer(t.app.getHttpAdapter().getInstance());
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '::1', resolve));
  return { url: `http://[::1]:${(server.address() as AddressInfo).port}`, server };
}

describe.each(selectedDatabases())('IPv6 clients share a rate limit per network on %s', (database) => {
  let t: TestApp;
  let v6: { url: string; server: Server };
  const wrongLogin = (via: string, forwardedFor?: string) => {
    const call = request(via).post('/auth/login');
    if (forwardedFor) call.set('X-Forwarded-For', forwardedFor);
    return call.send({ username: 'ivan', password: 'wrong' }).then((response) => response.status);
  };

  beforeAll(async () => {
    t = await createTestApp({ database, mode: 'rotate', options: { throttle: { login: { limit: 3, window: 60 }, refresh: { limit: 2, window: 60 } } } });
    trustLoopbackProxy(t);
    v6 = await listenOnIpv6Loopback(t);
    await t.register('ivan');
  });
  afterAll(async () => {
    await new Promise((resolve) => v6.server.close(resolve));
    await t.close();
  });

  it('counts forwarded addresses of one /64 in one login bucket, and another /64 in its own', async () => {
    const statuses = [];
    for (const address of ['2001:db8:a:1::1', '2001:db8:a:1::2', '2001:db8:a:1:ffff:ffff:ffff:ffff', '2001:db8:a:1:8000::9']) {
      statuses.push(await wrongLogin(t.url, address));
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(await wrongLogin(t.url, '2001:db8:a:2::1')).toBe(401);
  });

  it('groups a real IPv6 loopback connection with forwarded addresses of its /64, apart from IPv4 loopback', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await wrongLogin(v6.url));
    // No proxy header: the socket's own address ::1 is the client.
    expect(statuses).toEqual([401, 401, 401]);
    expect(await wrongLogin(v6.url)).toBe(429);
    expect(await wrongLogin(t.url, '::2')).toBe(429);
    expect(await wrongLogin(t.url)).toBe(401);
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', async () => {
    const statuses = [];
    for (const address of ['198.51.100.7', '::ffff:198.51.100.7', '::ffff:c633:6407', '198.51.100.7']) statuses.push(await wrongLogin(t.url, address));
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(await wrongLogin(t.url, '198.51.100.8')).toBe(401);
  });

  it('counts unknown refresh tokens per /64', async () => {
    const refresh = (address: string) =>
      request(t.url).post('/auth/refresh').set('X-Forwarded-For', address).send({ refreshToken: 'garbage' }).then((response) => response.status);
    const statuses = [];
    for (const address of ['2001:db8:b:1::1', '2001:db8:b:1::2', '2001:db8:b:1::3']) statuses.push(await refresh(address));
    expect(statuses).toEqual([400, 400, 429]);
    expect(await refresh('2001:db8:b:2::1')).toBe(400);
  });

  it('takes the network size from throttle.ipv6Subnet', async () => {
    const wide = await createTestApp({ database: t.database, mode: 'extend', options: { throttle: { login: { limit: 3, window: 60 }, ipv6Subnet: 48 } } });
    try {
      trustLoopbackProxy(wide);
      const statuses = [];
      for (const address of ['2001:db8:c:1::1', '2001:db8:c:2::1', '2001:db8:c:ff::1', '2001:db8:c:1234::1']) statuses.push(await wrongLogin(wide.url, address));
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(await wrongLogin(wide.url, '2001:db8:d::1')).toBe(401);
    } finally {
      await wide.close();
    }
  });
});

describe('throttle.ipv6Subnet at boot', () => {
  it.each([0, 129, 64.5, '64', null])('refuses %j, naming the option', async (ipv6Subnet) => {
    const boot = Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', autoLoadEntities: true, synchronize: true }),
        TokenAuthModule.forRoot({ mode: 'rotate', users: TestUsers, secrets: TEST_SECRET, throttle: { ipv6Subnet } } as any),
      ],
    }).compile();
    await expect(boot).rejects.toThrow(TokenAuthConfigError);
    await expect(boot).rejects.toThrow('"throttle.ipv6Subnet" must be an IPv6 prefix length, an integer from 1 to 128');
  });
});
