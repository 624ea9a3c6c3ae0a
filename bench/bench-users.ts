import { Injectable } from '@nestjs/common';
import { TokenAuthUserProvider } from '../lib';

/** A bench user; only its id matters. */
export interface BenchUser {
  id: string;
}

/**
 * In-memory users shared by every guard under test, so each route pays the same (near-zero) user
 * lookup and the comparison isolates the cost of the authentication scheme itself.
 */
@Injectable()
export class BenchUsers implements TokenAuthUserProvider<BenchUser> {
  private readonly users = new Map<string, BenchUser>();

  constructor() {
    for (let i = 0; i < BENCH_USER_COUNT; i++) {
      const id = `u${i}`;
      this.users.set(id, { id });
    }
  }

  /** Every user, in id order. */
  all(): BenchUser[] {
    return [...this.users.values()];
  }

  findById(id: string): BenchUser | null {
    return this.users.get(id) ?? null;
  }

  verifyCredentials(): null {
    return null;
  }
}

/** One user per live token, so tokens are spread over users as in production. */
export const BENCH_USER_COUNT = 1000;
