import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { createSecretKey, randomBytes } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { BenchUser, BenchUsers } from './bench-users';

/** One HS256 secret per server process; both strategies verify the same tokens with it. */
const JWT_SECRET = randomBytes(32).toString('base64url');

/** A signed access token for `userId`, as a login route would hand out. */
export function signJwt(userId: string): string {
  return sign({ sub: userId }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '2h' });
}

/**
 * What tutorials ship: a plain string secret and no `algorithms`. jsonwebtoken 9 then tries
 * `createPublicKey(secret)`, catches the failure and builds a secret KeyObject, on every request.
 */
@Injectable()
export class JwtStringStrategy extends PassportStrategy(Strategy, 'jwt-string') {
  constructor(private readonly users: BenchUsers) {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), ignoreExpiration: false, secretOrKey: JWT_SECRET });
  }

  validate(payload: { sub: string }): BenchUser | null {
    return this.users.findById(payload.sub);
  }
}

/**
 * Best-tuned JWT: a KeyObject built once (jsonwebtoken 9 uses a KeyObject as is) and a pinned
 * algorithm. passport-jwt passes `secretOrKey` through untouched; its typings only say string | Buffer.
 */
@Injectable()
export class JwtKeyStrategy extends PassportStrategy(Strategy, 'jwt-key') {
  constructor(private readonly users: BenchUsers) {
    const key = createSecretKey(Buffer.from(JWT_SECRET, 'utf8'));
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: key as unknown as Buffer, algorithms: ['HS256'] });
  }

  validate(payload: { sub: string }): BenchUser | null {
    return this.users.findById(payload.sub);
  }
}
