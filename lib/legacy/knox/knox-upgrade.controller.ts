import { Controller, Header, HttpCode, Inject, Optional, Post, Req, Type, UseGuards } from '@nestjs/common';
import { CurrentToken } from '../../decorators/current-user.decorator';
import { TokenAuthGuard } from '../../guards/token-auth.guard';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags, schemas } from '../../openapi';
import { RouteNotEnabledException } from '../../token-auth.exceptions';
import { AuthenticatedToken, TokenAuthService } from '../../token-auth.service';
import { userIdOf } from '../../token-auth.users';
import { iso } from '../../token-auth.views';
import { LEGACY_TOKENS } from '../legacy-tokens';
import { KnoxTokens } from './knox-tokens';

const MAX_USER_AGENT = 255;

/** Builds `POST <prefix>/upgrade`: a client trades its knox token, once, for a native session. */
export function createKnoxUpgradeController(prefix: string): Type<unknown> {
  @Controller(prefix)
  @ApiTags('auth')
  class KnoxUpgradeController {
    constructor(
      private readonly auth: TokenAuthService,
      @Optional() @Inject(LEGACY_TOKENS) private readonly legacy: KnoxTokens | null,
    ) {}

    @Post('upgrade')
    @ApiOperation({ summary: 'Exchange a django-rest-knox token for a native session (the knox token dies)' })
    @ApiBearerAuth()
    @ApiResponse({ status: 200, schema: schemas.tokens })
    @ApiResponse({ status: 401, description: 'Not a live knox token (a native one is refused as malformed)', schema: schemas.error })
    @ApiResponse({ status: 404, description: 'legacy.knox is not configured', schema: schemas.error })
    @HttpCode(200)
    @Header('Cache-Control', 'no-store')
    @UseGuards(TokenAuthGuard)
    async upgrade(@CurrentToken() token: AuthenticatedToken, @Req() request: any) {
      if (!(this.legacy instanceof KnoxTokens)) throw new RouteNotEnabledException(`POST ${request.url?.split('?')[0]}`, 'the legacy.knox option');
      const row = await this.legacy.claim(token);
      const userAgent = typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, MAX_USER_AGENT) : null;
      let result;
      try {
        const scopes = await this.auth.grantScopes(token.user, null);
        result = await this.auth.login(token.user, { name: null, ip: request.ip ?? null, userAgent, scopes });
      } catch (error) {
        // The knox token must not die without its successor: put the row back, then report the failure.
        await this.legacy.unclaim(row).catch(() => undefined);
        throw error;
      }
      const provider = this.auth.userProvider;
      const body: Record<string, unknown> = { token: result.token, expiry: iso(result.expiresAt) };
      if (result.refreshToken !== undefined) Object.assign(body, { refreshToken: result.refreshToken, refreshExpiry: iso(result.refreshExpiresAt ?? null) });
      if (result.scopes.length) body.scope = result.scopes.join(' ');
      return { ...body, user: provider.serialize ? provider.serialize(token.user) : { id: userIdOf(provider, token.user) } };
    }
  }
  return KnoxUpgradeController;
}
