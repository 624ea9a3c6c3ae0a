import { ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { CookieTransport } from '../cookie-transport';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { clientAddressKey } from '../client-ip';
import { InjectTokenAuthOptions, InjectTokenAuthThrottlerStorage, REFRESH_LOOKUP_KEY, TOKEN_AUTH_COOKIE } from '../token-auth.constants';
import { RateLimit, ResolvedTokenAuthOptions } from '../token-auth.options';
import { RateLimitedException } from '../token-auth.exceptions';
import { TokenRotationService } from '../token-rotation.service';
import { refusalIn, transportOf } from '../transports/transport';
import { ChallengeSettings } from '../transports/challenge';

/**
 * The module's own rate limits, independent of any ThrottlerModule the host has. Each guard holds
 * one unnamed throttler, so a refusal carries the plain `Retry-After` header.
 */
abstract class TokenAuthThrottlerGuard extends ThrottlerGuard {
  private readonly ipv6Subnet: number;
  private readonly challenge: ChallengeSettings;

  protected constructor(private readonly limit: RateLimit | false, options: ResolvedTokenAuthOptions, storage: ThrottlerStorage, reflector: Reflector) {
    // A disabled limit keeps a placeholder throttler (never consulted: shouldSkip) to avoid the empty-list warning.
    super({ throttlers: [limit ? { limit: limit.limit, ttl: limit.window * 1000 } : { limit: 1, ttl: 1000 }] }, storage, reflector);
    this.ipv6Subnet = options.ipv6Subnet;
    this.challenge = options;
  }

  /** The client's address as counted: IPv6 by network (`throttle.ipv6Subnet`), IPv4 as is. */
  protected clientKey(request: Record<string, any>): string {
    return clientAddressKey(request.ip, this.ipv6Subnet);
  }

  protected override async shouldSkip(_context: ExecutionContext): Promise<boolean> {
    return this.limit === false;
  }

  /**
   * The storage key is the tracker alone (throttler's default adds the controller and handler
   * names), so every route guarded by one of these guards shares its bucket: a host's password
   * check guarded by `LoginThrottlerGuard` counts against the same budget as `POST /auth/login`.
   */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return createHash('sha256').update(`nest-token-auth:${name}:${tracker}`).digest('hex');
  }

  /** The request of any context (a login mutation, a gateway message...); headers go where the context has them. */
  protected override getRequestResponse(context: ExecutionContext): { req: Record<string, any>; res: Record<string, any> } {
    const transport = transportOf(context);
    return { req: transport.request(context, true), res: { header: (name: string, value: unknown) => transport.setHeader(context, name, String(value)) } };
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    transportOf(context).setHeader(context, 'Retry-After', String(retryAfter));
    throw refusalIn(context, new RateLimitedException(retryAfter), this.challenge);
  }
}

/** Limits logins per client IP. */
@Injectable()
export class LoginThrottlerGuard extends TokenAuthThrottlerGuard {
  constructor(@InjectTokenAuthOptions() options: ResolvedTokenAuthOptions, @InjectTokenAuthThrottlerStorage() storage: ThrottlerStorage, reflector: Reflector) {
    super(options.loginLimit, options, storage, reflector);
  }

  protected override async getTracker(request: Record<string, any>): Promise<string> {
    return `login:${this.clientKey(request)}`;
  }
}

/** Limits refreshes per token family (a hash of it), or per client IP for unknown tokens. */
@Injectable()
export class RefreshThrottlerGuard extends TokenAuthThrottlerGuard {
  constructor(
    @InjectTokenAuthOptions() options: ResolvedTokenAuthOptions,
    @InjectTokenAuthThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly rotation: TokenRotationService,
    @Optional() @Inject(TOKEN_AUTH_COOKIE) private readonly cookie: CookieTransport | null,
  ) {
    super(options.mode === 'rotate' ? options.refreshLimit : false, options, storage, reflector);
  }

  protected override async getTracker(request: Record<string | symbol, any>): Promise<string> {
    // Cookie-carried refresh tokens are keyed by family too (CookieCsrfGuard has already checked the CSRF header).
    const token = request.body?.refreshToken ?? this.cookie?.peek(request);
    const family = await this.rotation.throttleKey(token);
    // The controller reuses this row instead of looking the token up a second time.
    if (family) request[REFRESH_LOOKUP_KEY] = { token, record: family.record };
    return family ? `refresh:family:${family.key}` : `refresh:ip:${createHash('sha256').update(this.clientKey(request)).digest('hex').slice(0, 16)}`;
  }
}
