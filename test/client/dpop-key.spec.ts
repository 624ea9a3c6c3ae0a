import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, JWK, jwtVerify } from 'jose';
import { createHash } from 'node:crypto';
import { createDpopKeys } from '../../client';

// The key store on its own, as a host signing its own requests would use it (Node: WebCrypto, keys in memory).
describe('createDpopKeys', () => {
  const keys = createDpopKeys('spec');

  it('signs proofs that jose verifies, with ath and the server nonce when given', async () => {
    const id = await keys.create();
    const proof = await keys.proof(id, 'POST', 'https://api.example.com/notes?x=1#f', 'ntk_at_token', 'server-nonce');
    const jwk = decodeProtectedHeader(proof).jwk as JWK;
    const { payload } = await jwtVerify(proof, await importJWK(jwk, 'ES256'), { typ: 'dpop+jwt', algorithms: ['ES256'] });
    expect(payload).toEqual({
      jti: expect.any(String),
      htm: 'POST',
      htu: 'https://api.example.com/notes',
      iat: expect.any(Number),
      ath: createHash('sha256').update('ntk_at_token').digest('base64url'),
      nonce: 'server-nonce',
    });
  });

  it('keeps each key apart, and forgets a dropped one', async () => {
    const [a, b] = [await keys.create(), await keys.create()];
    const key = async (id: string) => calculateJwkThumbprint(decodeProtectedHeader(await keys.proof(id, 'GET', 'https://a.example/')).jwk as JWK);
    expect(await key(a)).not.toBe(await key(b));
    expect(await key(a)).toBe(await key(a));
    await keys.drop(a);
    await expect(keys.proof(a, 'GET', 'https://a.example/')).rejects.toThrow(/No DPoP key/);
    expect(await key(b)).toEqual(expect.any(String));
  });
});
