import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { EntitySchema } from 'typeorm';
import { tokenEntity, TokenAuthModule, TokenAuthModuleExtras, TokenRecord } from '../../lib';
import { PASSWORD, TEST_SECRET, TestUser, TestUsers } from '../support/test-app';
import * as bcrypt from 'bcrypt';

/** A host that lists its entities by hand (no autoLoadEntities). */
async function boot(entities: Array<Function | EntitySchema<TokenRecord>>, extras: TokenAuthModuleExtras = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', entities, synchronize: true }),
      TypeOrmModule.forFeature([TestUser]),
      TokenAuthModule.forRoot({ mode: 'extend', users: TestUsers, secrets: TEST_SECRET, ...extras }),
    ],
    providers: [TestUsers],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('a host listing its entities without autoLoadEntities', () => {
  it('fails the boot naming the table and the two fixes', async () => {
    await expect(boot([TestUser])).rejects.toThrow(
      'TokenAuthModule: the data source has no entity for the token table "auth_tokens": add tokenEntity() to your TypeORM entities or turn on autoLoadEntities',
    );
  });

  it('names a custom table and the tokenEntity call for it', async () => {
    await expect(boot([TestUser, tokenEntity()], { tableName: 'team_tokens' })).rejects.toThrow(
      'the token table "team_tokens": add tokenEntity(\'team_tokens\') to your TypeORM entities',
    );
  });

  it('boots and logs in once tokenEntity() is listed', async () => {
    const app = await boot([TestUser, tokenEntity()]);
    try {
      const users = app.get(TestUsers);
      await users.repository.save(users.repository.create({ username: 'noa', passwordHash: await bcrypt.hash(PASSWORD, 4) }));
      expect((await request(app.getHttpServer()).post('/auth/login').send({ username: 'noa', password: PASSWORD })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
