import { Controller, Get, HttpException, INestApplication, UnauthorizedException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { ADAPTERS, Adapter, createTestApp, TestApp } from '../support/test-app';

/** A host controller with refusals of its own. */
@Controller('host')
class HostController {
  @Get('teapot')
  teapot() {
    throw new HttpException({ custom: 'body', list: [1, 2] }, 418);
  }

  @Get('unauthorized')
  unauthorized() {
    throw new UnauthorizedException('the host says no');
  }

  @Get('crash')
  crash() {
    throw new Error('host bug');
  }
}

async function hostOnlyApp(adapter: Adapter): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ controllers: [HostController] }).compile();
  const app =
    adapter === 'fastify' ? moduleRef.createNestApplication(new (require('@nestjs/platform-fastify').FastifyAdapter)(), { logger: false }) : moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

describe.each(ADAPTERS)('the host\'s own HTTP errors on %s', (adapter) => {
  let t: TestApp;
  let baseline: INestApplication;

  beforeAll(async () => {
    t = await createTestApp({ database: 'sqlite', mode: 'extend', adapter, host: { controllers: [HostController] } });
    baseline = await hostOnlyApp(adapter);
  });
  afterAll(async () => {
    await baseline.close();
    await t.close();
  });

  it.each(['/host/teapot', '/host/unauthorized', '/host/crash'])('answers %s exactly as an app without the module', async (path) => {
    const ours = await t.http().get(path);
    const theirs = await request((await baseline.getUrl()).replace('[::1]', '127.0.0.1')).get(path);
    expect(ours.status).toBe(theirs.status);
    expect(ours.body).toEqual(theirs.body);
    for (const header of ['www-authenticate', 'cache-control', 'content-type']) expect([header, ours.headers[header]]).toEqual([header, theirs.headers[header]]);
  });
});
