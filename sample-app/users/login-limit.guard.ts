import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { LoginThrottlerGuard } from '../../lib';

/**
 * Counts a request against the token module's login rate limit (LOGIN_LIMIT per LOGIN_WINDOW per
 * client IP), so guessing a password through a route of ours costs what it costs at POST /auth/login.
 * It runs the module's own guard instance: the same storage (Redis when configured), the same limit,
 * the same 429 with Retry-After. (`@UseGuards(LoginThrottlerGuard)` would build a second instance
 * here, whose storage the module does not export.)
 */
@Injectable()
export class LoginLimitGuard implements CanActivate {
  constructor(private readonly moduleRef: ModuleRef) {}

  canActivate(context: ExecutionContext): Promise<boolean> {
    return this.moduleRef.get(LoginThrottlerGuard, { strict: false }).canActivate(context);
  }
}
