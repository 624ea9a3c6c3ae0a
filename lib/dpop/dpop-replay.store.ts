import { Clock } from '../clock';

/**
 * Remembers the DPoP proofs already used (by a digest of key thumbprint and `jti`) for as long as a
 * proof is acceptable, so each is accepted once. Share one across instances (`redisDpopReplayStore`)
 * or a proof replayed to another instance goes unnoticed.
 */
export interface DpopReplayStore {
  /** `true` the first time `key` is claimed within `ttlMs`; `false` for a replay. May reject when the store is unreachable. */
  claim(key: string, ttlMs: number): Promise<boolean> | boolean;
}

/**
 * The default, in-process replay store (one instance only). Entries all live the same time, so the
 * oldest are at the front of the map: each claim drops the expired ones there, which bounds memory by
 * (proofs per second × lifetime).
 */
export class MemoryDpopReplayStore implements DpopReplayStore {
  private readonly seen = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  claim(key: string, ttlMs: number): boolean {
    const now = this.clock.now();
    for (const [oldest, expiresAt] of this.seen) {
      if (expiresAt > now) break;
      this.seen.delete(oldest);
    }
    const known = this.seen.get(key);
    if (known !== undefined && known > now) return false;
    this.seen.set(key, now + ttlMs);
    return true;
  }
}
