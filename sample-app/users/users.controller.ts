import { BadRequestException, Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AuthenticatedToken, CurrentToken, CurrentUser, RequireScopes, TokenAuthGuard, TokenAuthService } from '../../lib';
import { User } from './user.entity';
import { UsersService } from './users.service';

function credential(body: unknown, field: string, min: number, max: number): string {
  const value = (body as Record<string, unknown> | null)?.[field];
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw new BadRequestException({ error: 'invalid_request', field, message: `"${field}" must be a string of ${min} to ${max} characters.` });
  }
  return value;
}

@Controller()
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly auth: TokenAuthService,
  ) {}

  /** Registers a user: `{ username, password }` → 201 `{ id, username }`. */
  @Post('users')
  async register(@Body() body: unknown) {
    const user = await this.users.register(credential(body, 'username', 1, 150), credential(body, 'password', 8, 200));
    return this.users.serialize(user);
  }

  @Get('me')
  @UseGuards(TokenAuthGuard)
  me(@CurrentUser() user: User) {
    return this.users.serialize(user);
  }

  /** Changes the password (scope me:write) and logs out every other session. */
  @Post('me/password')
  @HttpCode(204)
  @RequireScopes('me:write')
  async changePassword(@CurrentUser() user: User, @CurrentToken() token: AuthenticatedToken, @Body() body: unknown) {
    await this.users.changePassword(user, credential(body, 'password', 8, 200));
    await this.auth.revokeAllForUser(String(user.id), 'password-change', token.session.sessionId);
  }
}
