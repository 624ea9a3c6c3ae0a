import { Logger, OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { DecodedJwt } from './fast-jwt-loader';
import { SIGNATURE_WORKER_SOURCE, SignatureWorkerData } from './signature.worker-source';

/** A proof key as the signature check needs it: its SPKI PEM, its algorithms (comma-joined) and its verifier in this thread. */
export interface SignatureKey {
  pem: string;
  algorithms: string;
  verify: (proof: string) => DecodedJwt;
}

/** A verified proof's claims. */
export type ProofPayload = DecodedJwt['payload'];

/** Checks a proof's signature against its key: the verified payload, or a throw (or rejection) carrying `fast-jwt`'s error `code`. */
export interface ProofSignatures {
  verify(proof: string, key: SignatureKey): ProofPayload | Promise<ProofPayload>;
}

/** Signatures checked on the event loop (`dpop.signatureThreads: 0`). */
export const inThreadSignatures: ProofSignatures = { verify: (proof, key) => key.verify(proof).payload };

/** A refusal from the worker, shaped like `fast-jwt`'s errors (only `code` is read). */
class SignatureError extends Error {
  constructor(readonly code: string) {
    super(`DPoP proof signature check failed (${code || 'error'})`);
  }
}

interface Job {
  proof: string;
  key: SignatureKey;
  resolve: (payload: ProofPayload) => void;
  reject: (error: unknown) => void;
}

interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
  error: Error | null;
}

/** Workers that fail one after another, none answering in between, before checks stay on the event loop. */
const FAILURES_BEFORE_GIVING_UP = 3;

/**
 * Checks DPoP proof signatures on worker threads, so the ES256/RS256 math (the largest part of a
 * proof's cost) leaves the event loop. The proofs of one loop turn go to the workers as one message
 * per worker (flushed on `setImmediate`, like the store's batches), and each caller gets its own
 * answer. Workers start with the first proof, hold the process open only while they have work, and
 * stop with the module.
 *
 * Nothing is lost when a worker fails: the checks it held run on the event loop, the failure is
 * logged, and the next proof starts a new worker. After repeated failures without an answer (say,
 * the worker cannot load `fast-jwt` in a bundled app) every check stays on the event loop.
 */
export class SignatureThreads implements ProofSignatures, OnModuleDestroy {
  private readonly logger = new Logger('TokenAuth');
  private readonly threads: (Thread | null)[];
  private queue: Job[] = [];
  private scheduled = false;
  private nextId = 0;
  private turn = 0;
  private failures = 0;
  private inThreadOnly = false;
  private closed = false;

  constructor(
    count: number,
    private readonly data: SignatureWorkerData,
  ) {
    this.threads = Array.from({ length: count }, () => null);
  }

  verify(proof: string, key: SignatureKey): ProofPayload | Promise<ProofPayload> {
    if (this.closed || this.inThreadOnly) return key.verify(proof).payload;
    return new Promise((resolve, reject) => {
      this.queue.push({ proof, key, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** How many workers run now (for tests and diagnostics). */
  get running(): number {
    return this.threads.filter((t) => t !== null).length;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    // A worker's unanswered checks run here as it exits (see `exited`).
    await Promise.all(this.threads.map((thread) => thread?.worker.terminate()));
  }

  private flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    if (this.closed || this.inThreadOnly) {
      for (const job of jobs) checkHere(job);
      return;
    }
    const share = Math.ceil(jobs.length / this.threads.length);
    for (let start = 0; start < jobs.length; start += share) this.send(jobs.slice(start, start + share));
  }

  private send(jobs: Job[]): void {
    const index = this.turn++ % this.threads.length;
    let thread = this.threads[index];
    if (thread === null) {
      try {
        thread = this.threads[index] = this.spawn();
      } catch (error) {
        // Node could not start a thread at all (e.g. out of resources): as a worker that failed at once.
        this.failed(error instanceof Error ? error.message : String(error), jobs);
        return;
      }
    }
    if (thread.jobs.size === 0) thread.worker.ref();
    const message: (number | string)[] = [];
    for (const job of jobs) {
      const id = this.nextId++;
      thread.jobs.set(id, job);
      message.push(id, job.proof, job.key.pem, job.key.algorithms);
    }
    thread.worker.postMessage(message);
  }

  private spawn(): Thread {
    const worker = new Worker(SIGNATURE_WORKER_SOURCE, { eval: true, workerData: this.data });
    const thread: Thread = { worker, jobs: new Map(), error: null };
    worker.unref();
    worker.on('message', (answers: unknown[]) => this.answer(thread, answers));
    worker.on('error', (error) => (thread.error = error));
    worker.on('exit', (code) => this.exited(thread, code));
    return thread;
  }

  private answer(thread: Thread, answers: unknown[]): void {
    this.failures = 0;
    for (let i = 0; i < answers.length; i += 3) {
      const id = answers[i] as number;
      const job = thread.jobs.get(id);
      if (job === undefined) continue;
      thread.jobs.delete(id);
      const code = answers[i + 2] as string | null;
      if (code === null) job.resolve(answers[i + 1] as ProofPayload);
      else job.reject(new SignatureError(code));
    }
    if (thread.jobs.size === 0) thread.worker.unref();
  }

  private exited(thread: Thread, code: number): void {
    const index = this.threads.indexOf(thread);
    if (index >= 0) this.threads[index] = null;
    const jobs = [...thread.jobs.values()];
    thread.jobs.clear();
    if (this.closed) {
      for (const job of jobs) checkHere(job);
      return;
    }
    this.failed(thread.error ? thread.error.message : `exit code ${code}`, jobs);
  }

  /** A worker is gone (or never started): its checks run here, and the failure is counted and logged. */
  private failed(message: string, jobs: Job[]): void {
    // The first line only: a module error's require stack says nothing more.
    const why = message.split('\n')[0];
    if (++this.failures >= FAILURES_BEFORE_GIVING_UP) {
      this.inThreadOnly = true;
      this.logger.error(`DPoP signature workers keep failing (${why}); proof signatures are checked on the event loop from now on`);
    } else {
      this.logger.warn(`A DPoP signature worker stopped (${why}); its ${jobs.length} pending check(s) ran on the event loop, and the next proof starts a new worker`);
    }
    for (const job of jobs) checkHere(job);
  }
}

function checkHere(job: Job): void {
  try {
    job.resolve(job.key.verify(job.proof).payload);
  } catch (error) {
    job.reject(error);
  }
}
