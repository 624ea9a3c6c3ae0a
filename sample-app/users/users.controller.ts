import { Body, Controller, ForbiddenException, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AuthenticatedToken, CurrentToken, CurrentUser, RequireScopes, TokenAuthGuard, TokenAuthService } from '../../lib';
import { LoginLimitGuard } from './login-limit.guard';
import { readCurrentPassword, readNewPassword } from './password';
import { RegistrationThrottlerGuard } from './registration-throttler.guard';
import { User } from './user.entity';
import { readUsername } from './username';
import { UsersService } from './users.service';

@Controller()
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly auth: TokenAuthService,
  ) {}

  /** Registers a user: `{ username, password }` → 201 `{ id, username }` (the username as stored, normalised). */
  @Post('users')
  @UseGuards(RegistrationThrottlerGuard)
  async register(@Body() body: unknown) {
    const user = await this.users.register(readUsername(body), readNewPassword(body, 'password'));
    return this.users.serialize(user);
  }

  @Get('me')
  @UseGuards(TokenAuthGuard)
  me(@CurrentUser() user: User) {
    return this.users.serialize(user);
  }

  /**
   * Changes the password: `{ currentPassword, password }` (scope me:write), then logs out every other
   * session. A stolen token alone is not enough, and each attempt counts against the login limit.
   */
  @Post('me/password')
  @HttpCode(204)
  // Listed first, run second: the token is checked before an attempt is counted.
  @UseGuards(LoginLimitGuard)
  @RequireScopes('me:write')
  async changePassword(@CurrentUser() user: User, @CurrentToken() token: AuthenticatedToken, @Body() body: unknown) {
    const current = readCurrentPassword(body, 'currentPassword');
    const password = readNewPassword(body, 'password');
    if (!(await this.users.hasPassword(user, current))) {
      throw new ForbiddenException({ error: 'invalid_current_password', message: 'The current password is wrong.' });
    }
    await this.users.changePassword(user, password);
    await this.auth.revokeAllForUser(String(user.id), 'password-change', token.session.sessionId);
  }
}
