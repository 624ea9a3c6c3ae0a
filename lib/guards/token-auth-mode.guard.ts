import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectTokenAuthOptions } from '../token-auth.constants';
import { RouteNotInModeException } from '../token-auth.exceptions';
import { ResolvedTokenAuthOptions, TokenAuthMode } from '../token-auth.options';

const ROUTE_MODE_KEY = 'nest-token-auth:mode';

/** Marks a route as existing only in one mode; elsewhere it answers 404 before any other check. */
export const ForMode = (mode: TokenAuthMode) => SetMetadata(ROUTE_MODE_KEY, mode);

/** Enforces `@ForMode()` (404 for a route of the other mode). */
@Injectable()
export class TokenAuthModeGuard implements CanActivate {
  constructor(
    @InjectTokenAuthOptions() private readonly options: ResolvedTokenAuthOptions,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const mode = this.reflector.get<TokenAuthMode | undefined>(ROUTE_MODE_KEY, context.getHandler());
    if (mode && mode !== this.options.mode) {
      const request = context.switchToHttp().getRequest();
      throw new RouteNotInModeException(`${request.method} ${request.url?.split('?')[0]}`, this.options.mode);
    }
    return true;
  }
}
