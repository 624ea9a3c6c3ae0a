import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { importPublicJwk, jwkThumbprint, publicJwkOf } from './dpop-jwk';

const generate = generateKeyPairSync as (type: string, options: object) => { publicKey: KeyObject };
const exported = (type: string, options: object = {}) => generate(type, options).publicKey.export({ format: 'jwk' }) as Record<string, string>;

describe('a proof key', () => {
  it('has the RFC 7638 section 3.1 thumbprint for the RFC example key', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    const jwk = publicJwkOf('RS256', { kty: 'RSA', n, e: 'AQAB', alg: 'RS256', kid: '2011-04-29' });
    expect(jwk).toEqual({ kty: 'RSA', n, e: 'AQAB' });
    expect(jwkThumbprint(jwk!)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(importPublicJwk(jwk!)?.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it.each([
    ['ES256', 'ec', { namedCurve: 'P-256' }, 5],
    ['ES384', 'ec', { namedCurve: 'P-384' }, 5],
    ['ES512', 'ec', { namedCurve: 'P-521' }, 5],
    ['EdDSA', 'ed25519', {}, 5],
    ['Ed25519', 'ed25519', {}, 5],
    ['PS256', 'rsa', { modulusLength: 2048 }, 1],
  ])('has the thumbprint jose computes for a %s key', async (alg, type, options, keys) => {
    for (let i = 0; i < keys; i++) {
      const given = { ...exported(type, options), kid: 'ignored', use: 'sig' };
      const jwk = publicJwkOf(alg, given)!;
      expect(importPublicJwk(jwk)).not.toBeNull();
      expect(jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(given as any, 'sha256'));
    }
  });

  it('is refused when it is not a public key of the type and curve the algorithm takes', () => {
    const ec = exported('ec', { namedCurve: 'P-256' });
    expect(publicJwkOf('ES256', { ...ec, d: 'AAAA' })).toBeNull();
    expect(publicJwkOf('ES256', { ...ec, y: undefined })).toBeNull();
    expect(publicJwkOf('ES256', [ec])).toBeNull();
    expect(publicJwkOf('ES384', ec)).toBeNull();
    expect(publicJwkOf('EdDSA', ec)).toBeNull();
    expect(publicJwkOf('HS256', ec)).toBeNull();
    expect(publicJwkOf('EdDSA', exported('ed448'))).toBeNull();
    expect(publicJwkOf('EdDSA', exported('x25519'))).toBeNull();
    expect(publicJwkOf('RS256', ec)).toBeNull();
  });

  it('is not imported when off the curve, malformed, or an RSA key under 2048 bits', () => {
    const ec = exported('ec', { namedCurve: 'P-256' });
    const y = Buffer.from(ec.y, 'base64url');
    y[31] ^= 1;
    expect(importPublicJwk({ ...ec, y: y.toString('base64url') })).toBeNull();
    expect(importPublicJwk({ ...ec, x: ec.x.slice(2) })).toBeNull();
    expect(importPublicJwk({ ...exported('ed25519'), x: 'AAAA' })).toBeNull();
    expect(importPublicJwk(publicJwkOf('RS256', exported('rsa', { modulusLength: 2047 }))!)).toBeNull();
    expect(importPublicJwk(publicJwkOf('RS256', exported('rsa', { modulusLength: 2048 }))!)).not.toBeNull();
  });
});
