import { Controller, Get, UseGuards } from '@nestjs/common';
import { CurrentUser, TokenAuthGuard } from 'nest-token-auth';
import type { AppUser } from './users.service.js';

/** A guarded route, written the way the README shows it. */
@Controller('me')
@UseGuards(TokenAuthGuard)
export class MeController {
  @Get()
  me(@CurrentUser() user: AppUser): AppUser {
    return user;
  }
}
