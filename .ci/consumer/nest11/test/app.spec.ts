import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TokenAuthService } from 'nest-token-auth';
import { AppModule } from '../src/app.module';
import { userFlow } from '../src/flow';

// What a user's own Jest suite does: compile the app module (which imports the package), serve it, call it.
describe('nest-token-auth inside a Nest 11 app under Jest', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    await app.listen(0, '127.0.0.1');
  });

  afterAll(() => app?.close());

  it('resolves the package service from the container', () => {
    expect(app.get(TokenAuthService)).toBeInstanceOf(TokenAuthService);
  });

  it('logs in, calls a guarded route, refreshes in rotate mode and logs out', async () => {
    const failed = (await userFlow(await app.getUrl())).filter((step) => !step.ok);
    expect(failed).toEqual([]);
  });
});
