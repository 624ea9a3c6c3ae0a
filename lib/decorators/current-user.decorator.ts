import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { TOKEN_AUTH_REQUEST_KEY } from '../token-auth.constants';

/** The authenticated user (behind `TokenAuthGuard`). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest().user);

/** The authenticated token (`AuthenticatedToken`: user, session, expiresAt) behind `TokenAuthGuard`. */
export const CurrentToken = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest()[TOKEN_AUTH_REQUEST_KEY],
);
