import { Module } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DpopMode, TokenAuthModule, TokenAuthUserProvider } from '../../lib';

// As on a host that did not install fast-jwt (an optional peer): any attempt to load it throws.
jest.mock('fast-jwt', () => {
  throw new Error("Cannot find module 'fast-jwt'");
});

const SECRET = 'without-fast-jwt-Pz4Kq8Wm2Vt6Xr1Bn9Lc3Hd7';
const users: TokenAuthUserProvider = { findById: () => null, verifyCredentials: () => null };

function compile(dpop: DpopMode): Promise<TestingModule> {
  @Module({
    imports: [
      TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', autoLoadEntities: true, synchronize: true }),
      TokenAuthModule.forRoot({ mode: 'extend', users, secrets: SECRET, passportStrategy: false, dpop }),
    ],
  })
  class HostModule {}
  return Test.createTestingModule({ imports: [HostModule] }).compile();
}

describe('a host without fast-jwt', () => {
  it('boots with dpop off: the package is never loaded', async () => {
    expect(() => require('fast-jwt')).toThrow("Cannot find module 'fast-jwt'");
    await (await compile('off')).close();
  });

  it('fails the boot with dpop on, naming the package and the fix', async () => {
    await expect(compile('optional')).rejects.toThrow(/DPoP needs the "fast-jwt" package, which could not be loaded \(Cannot find module 'fast-jwt'\): npm install fast-jwt/);
  });
});
