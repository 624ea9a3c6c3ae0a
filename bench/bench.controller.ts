import { CanActivate, Controller, ExecutionContext, Get, Injectable, UseGuards } from '@nestjs/common';
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
}
