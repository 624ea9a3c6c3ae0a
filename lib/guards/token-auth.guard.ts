import { ExecutionContext, Injectable } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { EXPIRY_HEADER_KEY, IS_PUBLIC_KEY, REQUIRED_SCOPES_KEY, TOKEN_AUTH_REQUEST_KEY, TOKEN_AUTH_STRATEGY_KEY, TOKEN_AUTH_STRATEGY } from '../token-auth.constants';
import { TokenAuthStrategy } from '../token-auth.strategy';
import { setResponseHeader } from '../http-compat';
import { iso } from '../token-auth.views';
import { InsufficientScopeException, MissingTokenException } from '../token-auth.exceptions';
import { missingScopes } from '../token-scopes';

/**
 * Requires a valid access token. Use it with `@UseGuards(TokenAuthGuard)`, or install it globally
 * (`globalGuard: true`) and mark open routes with `@Public()`.
 */
@Injectable()
export class TokenAuthGuard extends AuthGuard(TOKEN_AUTH_STRATEGY) {
  private strategy?: TokenAuthStrategy;

  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const open = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    if (open) return true;
    const request = context.switchToHttp().getRequest();
    // Already authenticated by an earlier TokenAuthGuard (a global one plus a route one): only check scopes.
    if (request[TOKEN_AUTH_REQUEST_KEY]) return this.checkScopes(context, request);
    // Passport keeps one strategy per name for the whole process; pointing it at this app's strategy
    // keeps two Nest apps in one process (tests, benchmarks) from using each other's.
    this.strategy ??= this.moduleRef.get(TokenAuthStrategy, { strict: false });
    request[TOKEN_AUTH_STRATEGY_KEY] = this.strategy;
    return super.canActivate(context);
  }

  override handleRequest<User>(error: unknown, user: User | false | null, _info: unknown, context: ExecutionContext): User {
    if (error) throw error;
    if (!user) throw new MissingTokenException();
    const http = context.switchToHttp();
    const request = http.getRequest();
    const header = request[EXPIRY_HEADER_KEY];
    const expiresAt = request[TOKEN_AUTH_REQUEST_KEY]?.expiresAt;
    // Tells the client when its token now expires (after any sliding), so it can plan a refresh.
    if (header && typeof expiresAt === 'number') setResponseHeader(http.getResponse(), header, iso(expiresAt) as string);
    this.checkScopes(context, request);
    return user;
  }

  private checkScopes(context: ExecutionContext, request: any): true {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES_KEY, [context.getHandler(), context.getClass()]);
    if (required?.length && missingScopes(request[TOKEN_AUTH_REQUEST_KEY].record.scopes, required).length) {
      throw new InsufficientScopeException(required);
    }
    return true;
  }
}
