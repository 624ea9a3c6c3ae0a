import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { TOKEN_AUTH_REQUEST_KEY } from '../token-auth.constants';
import { requestOf } from '../transports/transport';

/** The authenticated user (behind `TokenAuthGuard`), in a controller, resolver, gateway or message handler. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) => requestOf(context).user);

/** The authenticated token (`AuthenticatedToken`: user, session, expiresAt) behind `TokenAuthGuard`, in any context. */
export const CurrentToken = createParamDecorator((_data: unknown, context: ExecutionContext) => requestOf(context)[TOKEN_AUTH_REQUEST_KEY]);
