import { Body, Controller, Delete, Get, Header, HttpCode, Inject, Optional, Param, Post, Req, Res, Type, UseFilters, UseGuards } from '@nestjs/common';
import { CookieTransport } from './cookie-transport';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags, schemas } from './openapi';
import { CurrentToken } from './decorators/current-user.decorator';
import { Public } from './decorators/public.decorator';
import { LoginThrottlerGuard, RefreshThrottlerGuard } from './guards/token-auth-throttler.guard';
import { CookieCsrfGuard } from './guards/cookie-csrf.guard';
import { TokenAuthGuard } from './guards/token-auth.guard';
import { ForMode, TokenAuthModeGuard } from './guards/token-auth-mode.guard';
import { setResponseHeader } from './http-compat';
import { readLoginBody, readRefreshBody, readTokenBody } from './request-body';
import { InvalidCredentialsException, RouteNotEnabledException } from './token-auth.exceptions';
import { TokenStandardsService } from './token-standards.service';
import { InjectTokenAuthOptions, REFRESH_LOOKUP_KEY, TOKEN_AUTH_COOKIE } from './token-auth.constants';
import { ResolvedTokenAuthOptions } from './token-auth.options';
import { AuthenticatedToken, LoginResult, TokenAuthService } from './token-auth.service';
import { TokenRotationService } from './token-rotation.service';
import { iso } from './token-auth.views';
import { TokenAuthExceptionFilter } from './token-auth-exception.filter';
import { userIdOf } from './token-auth.users';
import { DpopBinding } from './dpop/dpop-binding';
import { presentationOf } from './dpop/dpop-request';

const MAX_USER_AGENT = 255;
const COOKIE_MAX_MS = 400 * 24 * 3600 * 1000;

/** Builds the auth controller mounted at `prefix` (the HTTP contract of the README). */
export function createTokenAuthController(prefix: string): Type<unknown> {
  @Controller(prefix)
  // Scoped here, not global: the host's other errors (and other contexts) keep their own handling.
  @UseFilters(TokenAuthExceptionFilter)
  @ApiTags('auth')
  @ApiResponse({ status: 503, description: 'Token store unavailable', schema: schemas.error })
  class TokenAuthController {
    constructor(
      private readonly auth: TokenAuthService,
      private readonly rotation: TokenRotationService,
      private readonly standards: TokenStandardsService,
      @InjectTokenAuthOptions() private readonly options: ResolvedTokenAuthOptions,
      @Optional() @Inject(TOKEN_AUTH_COOKIE) private readonly cookie: CookieTransport | null,
      @Optional() @Inject(DpopBinding) private readonly dpop: DpopBinding | null,
    ) {}

    @Post('login')
    @ApiOperation({ summary: 'Log in: returns a token (extend) or an access + refresh pair (rotate)' })
    @ApiBody({ schema: schemas.login })
    @ApiResponse({ status: 200, schema: schemas.tokens })
    @ApiResponse({ status: 401, description: 'Invalid credentials', schema: schemas.error })
    @ApiResponse({ status: 403, description: 'Token limit reached; with cookies on, also csrf_check_failed (no CSRF header)', schema: schemas.error })
    @ApiResponse({ status: 429, description: 'Too many logins' })
    @Public()
    @HttpCode(200)
    @Header('Cache-Control', 'no-store')
    @UseGuards(CookieCsrfGuard, LoginThrottlerGuard)
    async login(@Body() body: unknown, @Req() request: any, @Res({ passthrough: true }) response: unknown) {
      const { username, password, name, scope } = readLoginBody(body);
      const user = await this.auth.verifyCredentials(username, password);
      const userAgent = typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, MAX_USER_AGENT) : null;
      const scopes = await this.auth.grantScopes(user, scope);
      const result = await this.auth.login(user, { name, ip: request.ip ?? null, userAgent, scopes }, this.dpopOf(request));
      const provider = this.auth.userProvider;
      const publicUser = provider.serialize ? provider.serialize(user) : { id: userIdOf(provider, user) };
      return { ...this.tokens(result, response), user: publicUser };
    }

    @Post('refresh')
    @ApiOperation({ summary: 'Rotate mode: exchange a refresh token for a new pair' })
    @ApiBody({ schema: schemas.refresh })
    @ApiResponse({ status: 200, schema: schemas.tokens })
    @ApiResponse({ status: 400, description: 'invalid_grant; invalid_request (duplicate_cookie) when the cookie came twice', schema: schemas.error })
    @ApiResponse({ status: 403, description: 'With cookies on: csrf_check_failed (no CSRF header)', schema: schemas.error })
    @ApiResponse({ status: 429, description: 'Too many refreshes' })
    @Public()
    @HttpCode(200)
    @Header('Cache-Control', 'no-store')
    @ForMode('rotate')
    @UseGuards(TokenAuthModeGuard, CookieCsrfGuard, RefreshThrottlerGuard)
    async refresh(@Body() body: unknown, @Req() request: any, @Res({ passthrough: true }) response: unknown) {
      const fromCookie = this.cookie && !(body && typeof body === 'object' && 'refreshToken' in body) ? this.cookie.read(request) : null;
      const { refreshToken } = fromCookie !== null ? { refreshToken: fromCookie } : readRefreshBody(body);
      const looked = request[REFRESH_LOOKUP_KEY];
      return this.tokens(await this.rotation.refresh(refreshToken, looked?.token === refreshToken ? looked.record : undefined, this.dpopOf(request)), response);
    }

    @Post('extend')
    @ApiOperation({ summary: 'Extend mode: move the expiry to now + ttl' })
    @ApiBearerAuth()
    @ApiResponse({ status: 200, schema: schemas.expiry })
    @HttpCode(200)
    @Header('Cache-Control', 'no-store')
    @ForMode('extend')
    @UseGuards(TokenAuthModeGuard, TokenAuthGuard)
    async extend(@CurrentToken() token: AuthenticatedToken, @Res({ passthrough: true }) response: unknown) {
      const expiry = iso(await this.auth.extend(token));
      if (this.options.expiryHeader && expiry) setResponseHeader(response, this.options.expiryHeader, expiry);
      return { expiry };
    }

    @Post('logout')
    @ApiOperation({ summary: 'Revoke the presented token\'s session' })
    @ApiBearerAuth()
    @ApiResponse({ status: 204 })
    @HttpCode(204)
    @UseGuards(TokenAuthGuard)
    async logout(@CurrentToken() token: AuthenticatedToken, @Res({ passthrough: true }) response: unknown): Promise<void> {
      await this.auth.logout(token);
      if (this.cookie) setResponseHeader(response, 'Set-Cookie', this.cookie.clear());
    }

    @Post('logout-all')
    @ApiOperation({ summary: 'Revoke every session of the user' })
    @ApiBearerAuth()
    @ApiResponse({ status: 204 })
    @HttpCode(204)
    @UseGuards(TokenAuthGuard)
    async logoutAll(@CurrentToken() token: AuthenticatedToken, @Res({ passthrough: true }) response: unknown): Promise<void> {
      await this.auth.revokeAllForUser(token.session.userId, 'logout-all');
      if (this.cookie) setResponseHeader(response, 'Set-Cookie', this.cookie.clear());
    }

    @Post('logout-others')
    @ApiOperation({ summary: 'Revoke every session of the user but the current one' })
    @ApiBearerAuth()
    @ApiResponse({ status: 204 })
    @HttpCode(204)
    @UseGuards(TokenAuthGuard)
    async logoutOthers(@CurrentToken() token: AuthenticatedToken): Promise<void> {
      await this.auth.revokeAllForUser(token.session.userId, 'logout-others', token.session.sessionId);
    }

    @Get('token')
    @ApiOperation({ summary: 'Details of the presented token' })
    @ApiBearerAuth()
    @ApiResponse({ status: 200, schema: schemas.details })
    @Header('Cache-Control', 'no-store')
    @UseGuards(TokenAuthGuard)
    details(@CurrentToken() token: AuthenticatedToken) {
      return this.auth.details(token);
    }

    @Get('tokens')
    @ApiOperation({ summary: 'The user\'s live sessions' })
    @ApiBearerAuth()
    @ApiResponse({ status: 200, schema: schemas.sessions })
    @Header('Cache-Control', 'no-store')
    @UseGuards(TokenAuthGuard)
    sessions(@CurrentToken() token: AuthenticatedToken) {
      return this.auth.sessions(token.session.userId, token.session.sessionId);
    }

    @Delete('tokens/:id')
    @ApiOperation({ summary: 'Revoke one of the user\'s sessions' })
    @ApiBearerAuth()
    @ApiParam({ name: 'id', description: 'Session id from GET /tokens' })
    @ApiResponse({ status: 204 })
    @ApiResponse({ status: 404, schema: schemas.error })
    @HttpCode(204)
    @UseGuards(TokenAuthGuard)
    async revokeSession(@CurrentToken() token: AuthenticatedToken, @Param('id') id: string): Promise<void> {
      await this.auth.revokeSession(token.session.userId, id);
    }

    /** RFC 7009: revokes the token's session; 200 whatever the token (unknown ones included). */
    @Post('revoke')
    @ApiOperation({ summary: 'RFC 7009 token revocation (200 for unknown tokens too)' })
    @ApiBody({ schema: schemas.tokenRequest })
    @ApiResponse({ status: 200 })
    @Public()
    @HttpCode(200)
    @Header('Cache-Control', 'no-store')
    async revoke(@Body() body: unknown): Promise<Record<string, never>> {
      await this.standards.revoke(readTokenBody(body).token);
      return {};
    }

    /** RFC 7662: describes a token; 404 unless enabled, 401 for callers `introspection.authorize` refuses. */
    @Post('introspect')
    @ApiOperation({ summary: 'RFC 7662 token introspection (when enabled)' })
    @ApiBody({ schema: schemas.tokenRequest })
    @ApiResponse({ status: 200, schema: schemas.introspection })
    @Public()
    @HttpCode(200)
    @Header('Cache-Control', 'no-store')
    async introspect(@Body() body: unknown, @Req() request: any) {
      const introspection = this.options.introspection;
      if (!introspection) throw new RouteNotEnabledException(`POST ${request.url?.split('?')[0]}`, 'the introspection option');
      if (!(await introspection.authorize(request))) throw new InvalidCredentialsException('You may not introspect tokens.');
      return this.standards.introspect(readTokenBody(body).token);
    }

    /** The request's DPoP proof and target, when DPoP is on. */
    private dpopOf(request: any) {
      return this.dpop ? presentationOf(request, this.dpop.options.origin) : undefined;
    }

    /** The token part of a login or refresh answer; with the cookie transport, the cookie's token leaves the body. */
    private tokens(result: LoginResult, response: unknown) {
      const body: Record<string, unknown> = { token: result.token, expiry: iso(result.expiresAt) };
      if (result.refreshToken !== undefined) {
        body.refreshToken = result.refreshToken;
        body.refreshExpiry = iso(result.refreshExpiresAt ?? null);
      }
      if (this.cookie) {
        const key = result.refreshToken !== undefined ? 'refreshToken' : 'token';
        const now = this.options.clock.now();
        // A sliding token outlives its first expiry, so its cookie lasts as long as the session may (browsers cap at 400 days).
        const expiresAt = key === 'refreshToken' ? (result.refreshExpiresAt ?? null) : now + (this.options.maxLifetimeMs ?? COOKIE_MAX_MS);
        setResponseHeader(response, 'Set-Cookie', this.cookie.set(body[key] as string, expiresAt, now));
        delete body[key];
      }
      if (result.scopes.length) body.scope = result.scopes.join(' ');
      return body;
    }
  }
  return TokenAuthController;
}
