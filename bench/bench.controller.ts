import { Body, CanActivate, Controller, ExecutionContext, Get, HttpCode, Injectable, Post, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { CurrentUser, TokenAuthGuard } from '../lib';
import { BenchUser } from './bench-users';

/**
 * A guard that does no work but set a user: what any guard plus `@CurrentUser()` costs in Nest, so
 * the report shows how close to the unguarded route a guard can get at all.
 */
@Injectable()
export class NoopUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    context.switchToHttp().getRequest().user = { id: 'u0' };
    return true;
  }
}

/** The routes under test. Every handler returns the same small body, so only the guard differs. */
@Controller()
export class BenchController {
  @Get('open')
  open() {
    return { ok: true, user: null };
  }

  @Get('jwt-string')
  @UseGuards(AuthGuard('jwt-string'))
  jwtString(@CurrentUser() user: BenchUser) {
    return { ok: true, user: user.id };
  }

  @Get('jwt-key')
  @UseGuards(AuthGuard('jwt-key'))
  jwtKey(@CurrentUser() user: BenchUser) {
    return { ok: true, user: user.id };
  }

  @Get('noop-guard')
  @UseGuards(NoopUserGuard)
  noopGuard(@CurrentUser() user: BenchUser) {
    return { ok: true, user: user.id };
  }

  @Get('token')
  @UseGuards(TokenAuthGuard)
  token(@CurrentUser() user: BenchUser) {
    return { ok: true, user: user.id };
  }

  /**
   * The HTTP part of a refresh without the refresh: the same JSON body in and a body of the same
   * shape and size out (the refresh token is handed back, so the load generator's chain goes on).
   */
  @Post('echo-refresh')
  @HttpCode(200)
  echoRefresh(@Body() body: { refreshToken?: string }) {
    const token = body.refreshToken ?? '';
    const expiry = new Date().toISOString();
    return { token: token.replace('_rt_', '_at_'), expiry, refreshToken: token, refreshExpiry: expiry };
  }
}
