import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { CurrentUser, TokenAuthGuard } from '../lib';
import { BenchUser } from './bench-users';

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

  @Get('token')
  @UseGuards(TokenAuthGuard)
  token(@CurrentUser() user: BenchUser) {
    return { ok: true, user: user.id };
  }
}
