import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TokenAuthModule } from 'nest-token-auth';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.sqlite', autoLoadEntities: true, synchronize: true }),
    TypeOrmModule.forFeature([User]),
    TokenAuthModule.forRoot({
      mode: 'extend', // one token per login; each use pushes its expiry to now + 10 h
      users: UsersService, // the module finds it among this module's providers
      secrets: process.env.TOKEN_SECRET!, // keys the token digests; the boot fails if it is missing or weak
    }),
  ],
  controllers: [UsersController],
  providers: [UsersService],
})
export class AppModule {}
