import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { RateLimitedException } from '../../lib';

/**
 * Limits registrations per client IP (REGISTER_LIMIT per REGISTER_WINDOW, from ThrottlerModule in
 * app.module.ts). Every attempt counts, refused ones too: a 409 tells that a name is taken, so this
 * limit is what bounds probing for names. The 429 has the token module's shape.
 */
@Injectable()
export class RegistrationThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    // ThrottlerGuard has already set Retry-After.
    throw new RateLimitedException(Math.max(1, detail.timeToBlockExpire));
  }
}
