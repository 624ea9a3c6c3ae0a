/** What the signature worker is started with. */
export interface SignatureWorkerData {
  /** The resolved path of the `fast-jwt` the main thread loaded, so both threads use the same copy. */
  fastJwt: string;
  /** The `createVerifier` options every key shares (`key` and `algorithms` are added per key). */
  verifierOptions: Record<string, unknown>;
  /** How many verifiers the worker keeps (one per key). */
  cacheMax: number;
  /** Most checks per answer message: a batch is answered in parts, so the first callers go on sooner. */
  answerEvery: number;
}

/**
 * The worker thread that checks DPoP proof signatures with `fast-jwt`. Plain JavaScript run with
 * `eval`, so it works from the sources (tests), from `dist/` and from a bundle alike.
 *
 * It receives a batch as a flat array `[id, proof, pem, algorithms, ...]` (algorithms comma-joined)
 * and answers in flat arrays `[id, payload, errorCode, ...]` of at most `answerEvery` checks: the
 * verified payload, or `null` and `fast-jwt`'s error code (`''` for an error without one). It holds
 * no state beyond the verifiers of the keys it has seen.
 */
export const SIGNATURE_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createVerifier } = require(workerData.fastJwt);
const verifiers = new Map();
function verifierFor(pem, algorithms) {
  const name = algorithms + '\\n' + pem;
  let verify = verifiers.get(name);
  if (verify === undefined) {
    if (verifiers.size >= workerData.cacheMax) verifiers.clear();
    verify = createVerifier({ ...workerData.verifierOptions, key: pem, algorithms: algorithms.split(',') });
    verifiers.set(name, verify);
  }
  return verify;
}
parentPort.on('message', (jobs) => {
  let answers = [];
  for (let i = 0; i < jobs.length; i += 4) {
    try {
      answers.push(jobs[i], verifierFor(jobs[i + 2], jobs[i + 3])(jobs[i + 1]).payload, null);
    } catch (error) {
      answers.push(jobs[i], null, error && typeof error.code === 'string' ? error.code : '');
    }
    if (answers.length >= workerData.answerEvery * 3) {
      parentPort.postMessage(answers);
      answers = [];
    }
  }
  if (answers.length) parentPort.postMessage(answers);
});
`;
