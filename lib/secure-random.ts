import { randomFillSync } from 'node:crypto';

/** Bytes drawn from the operating system's CSPRNG per refill: a few dozen tokens' worth. */
const POOL_SIZE = 2048;

const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * `crypto.randomBytes` for the hot path: each call to it costs a native job (5–10 µs here, as much as
 * the HMAC of a token), so bytes are drawn from the CSPRNG a pool at a time, as Node does for
 * `randomUUID()`. Every byte is handed out once, as a copy, and zeroed in the pool when handed out,
 * so the pool never holds a byte that was or will be given twice, nor keeps one it gave.
 */
export function secureRandomBytes(size: number): Buffer {
  if (size > POOL_SIZE) return randomFillSync(Buffer.alloc(size));
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size);
  offset += size;
  return bytes;
}
