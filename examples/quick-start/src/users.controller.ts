import { BadRequestException, Body, Controller, Get, Post, UseGuards } from '@nestjs/common';
import { CurrentUser, TokenAuthGuard } from 'nest-token-auth';
import { User } from './user.entity';
import { UsersService } from './users.service';

@Controller()
export class UsersController {
  constructor(private readonly users: UsersService) {}

  // Sign-up: { username, password } → 201 { id, username }.
  @Post('users')
  async register(@Body() body: { username?: unknown; password?: unknown }) {
    const { username, password } = body ?? {};
    if (typeof username !== 'string' || !/^[a-z0-9._-]{3,32}$/.test(username)) {
      throw new BadRequestException('username: 3 to 32 characters of a-z, 0-9, ".", "_", "-".');
    }
    // bcrypt reads only the first 72 bytes of a password.
    if (typeof password !== 'string' || password.length < 8 || Buffer.byteLength(password) > 72) {
      throw new BadRequestException('password: at least 8 characters, at most 72 bytes.');
    }
    return this.users.serialize(await this.users.register(username, password));
  }

  @Get('me')
  @UseGuards(TokenAuthGuard)
  me(@CurrentUser() user: User) {
    return this.users.serialize(user);
  }
}
