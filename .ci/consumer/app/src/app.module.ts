import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TokenAuthModule } from 'nest-token-auth';
import { randomBytes } from 'node:crypto';
import { MeController } from './me.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    // DB_FILE: a temporary SQLite file from the CI script; in-memory otherwise (the Jest spec).
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: process.env.DB_FILE ?? ':memory:', autoLoadEntities: true, synchronize: true }),
    TokenAuthModule.forRoot({
      mode: 'rotate',
      users: UsersService,
      secrets: process.env.TOKEN_SECRET ?? randomBytes(32).toString('base64url'),
      // DPoP with its signature worker: fast-jwt must load in the worker from the app's own install.
      dpop: { mode: 'optional', signatureThreads: 1 },
    }),
  ],
  controllers: [MeController],
})
export class AppModule {}
