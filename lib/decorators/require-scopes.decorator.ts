import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { REQUIRED_SCOPES_KEY } from '../token-auth.constants';
import { TokenAuthGuard } from '../guards/token-auth.guard';

/** Requires a valid token carrying every listed scope; otherwise 403 `insufficient_scope`. */
export const RequireScopes = (...scopes: string[]) => applyDecorators(SetMetadata(REQUIRED_SCOPES_KEY, scopes), UseGuards(TokenAuthGuard));
