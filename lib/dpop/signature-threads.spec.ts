import { Logger } from '@nestjs/common';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { PROOF_VERIFIER_OPTIONS } from './dpop-proof';
import { fastJwtPath, loadFastJwt } from './fast-jwt-loader';
import { SignatureKey, SignatureThreads } from './signature-threads';

/**
 * The signature workers on their own, with real worker threads and real ES256 proofs: answers come
 * from the workers, a proof per caller; a worker that dies or cannot start loses no check; closing
 * stops the workers.
 */
const jwt = loadFastJwt();
const data = { fastJwt: fastJwtPath(), verifierOptions: PROOF_VERIFIER_OPTIONS, cacheMax: 1000, answerEvery: 8 };
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signer() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const header = part({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicKey.export({ format: 'jwk' }) });
  const verify = jwt.createVerifier({ ...PROOF_VERIFIER_OPTIONS, key: pem, algorithms: ['ES256'] });
  const proof = (jti: string = randomUUID()) => {
    const input = `${header}.${part({ htm: 'GET', htu: 'https://api.example.test/me', iat: 1, jti })}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
  // `here` checks in this thread; `elsewhere` refuses to, so an answer for it can only come from a worker.
  const here: SignatureKey = { pem, algorithms: 'ES256', verify };
  const elsewhere: SignatureKey = { ...here, verify: () => { throw new Error('checked on the event loop'); } };
  return { proof, here, elsewhere };
}

const threadsOf = (t: SignatureThreads) => (t as unknown as { threads: ({ worker: { terminate(): Promise<number> } } | null)[] }).threads;

describe('SignatureThreads', () => {
  const a = signer();
  const b = signer();
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('answers each caller of a crowd from the workers, with its own payload, and refusals with fast-jwt codes', async () => {
    const threads = new SignatureThreads(2, data);
    try {
      const jtis = Array.from({ length: 50 }, () => randomUUID());
      const answers = await Promise.all(jtis.map((jti, i) => threads.verify((i % 2 ? a : b).proof(jti), (i % 2 ? a : b).elsewhere)));
      expect(answers.map((p) => p.jti)).toEqual(jtis);
      expect(threads.running).toBe(2);
      // b's proof under a's key: the worker's refusal keeps fast-jwt's code, as an in-thread check would throw it.
      await expect(threads.verify(b.proof(), a.elsewhere)).rejects.toMatchObject({ code: 'FAST_JWT_INVALID_SIGNATURE' });
      expect(() => a.here.verify(b.proof())).toThrow(expect.objectContaining({ code: 'FAST_JWT_INVALID_SIGNATURE' }));
      await expect(threads.verify('not.a.jwt', a.elsewhere)).rejects.toMatchObject({ code: 'FAST_JWT_MALFORMED' });
    } finally {
      await threads.onModuleDestroy();
    }
  });

  it('loses no check when a worker dies with checks pending, and starts a new worker with the next proof', async () => {
    const threads = new SignatureThreads(1, data);
    try {
      await threads.verify(a.proof(), a.elsewhere);
      const jtis = Array.from({ length: 200 }, () => randomUUID());
      const pending = jtis.map((jti) => threads.verify(a.proof(jti), a.here));
      await new Promise((resolve) => setImmediate(resolve)); // the batch is on its way to the worker
      await threadsOf(threads)[0]!.worker.terminate();
      expect((await Promise.all(pending)).map((p) => p.jti)).toEqual(jtis);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/signature worker stopped \(exit code 1\); its \d+ pending check/));
      expect(threads.running).toBe(0);
      expect((await threads.verify(a.proof('after'), a.elsewhere)).jti).toBe('after');
      expect(threads.running).toBe(1);
    } finally {
      await threads.onModuleDestroy();
    }
  });

  it('checks on the event loop when no worker can start (fast-jwt not found from the worker), and says so once', async () => {
    const threads = new SignatureThreads(1, { ...data, fastJwt: '/nowhere/fast-jwt.js' });
    try {
      for (let i = 0; i < 5; i++) expect((await threads.verify(a.proof(`j${i}`), a.here)).jti).toBe(`j${i}`);
      expect(warn).toHaveBeenCalledTimes(2);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("Cannot find module '/nowhere/fast-jwt.js'"));
      expect(error).toHaveBeenCalledTimes(1);
      expect(error).toHaveBeenCalledWith(expect.stringMatching(/keep failing .*checked on the event loop from now on/));
      expect(threads.running).toBe(0);
    } finally {
      await threads.onModuleDestroy();
    }
  });

  it('checks on the event loop when Node refuses to start a thread at all', async () => {
    // workerData that cannot be cloned makes `new Worker` throw at once, as running out of threads would.
    const threads = new SignatureThreads(1, { ...data, verifierOptions: { notCloneable: () => undefined } });
    try {
      for (let i = 0; i < 3; i++) expect((await threads.verify(a.proof(`n${i}`), a.here)).jti).toBe(`n${i}`);
      expect(warn).toHaveBeenCalledTimes(2);
      expect(error).toHaveBeenCalledWith(expect.stringMatching(/could not be cloned.*checked on the event loop from now on/));
      expect(threads.running).toBe(0);
    } finally {
      await threads.onModuleDestroy();
    }
  });

  it('stops its workers when the module stops, answers the checks they held, and checks later proofs in this thread', async () => {
    const threads = new SignatureThreads(2, data);
    await Promise.all([threads.verify(a.proof(), a.elsewhere), threads.verify(b.proof(), b.elsewhere)]);
    expect(threads.running).toBe(2);
    const held = threads.verify(a.proof('held'), a.here);
    await new Promise((resolve) => setImmediate(resolve));
    await threads.onModuleDestroy();
    expect(threads.running).toBe(0);
    expect((await held).jti).toBe('held');
    expect((await threads.verify(b.proof('later'), b.here)).jti).toBe('later');
    await expect(Promise.resolve().then(() => threads.verify(b.proof(), b.elsewhere))).rejects.toThrow('checked on the event loop');
    expect(warn).not.toHaveBeenCalled();
  });
});
