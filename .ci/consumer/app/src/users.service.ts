import { Injectable } from '@nestjs/common';
import type { TokenAuthUserProvider } from 'nest-token-auth';

/** The host's own user shape: the package never sees more than these fields. */
export interface AppUser {
  id: number;
  username: string;
}

/** The one user of the consumer app and its password. */
export const USERNAME = 'ada';
export const PASSWORD = 'correct horse battery staple';

/** Users kept in memory: the host owns its users, the package only asks for them. */
@Injectable()
export class UsersService implements TokenAuthUserProvider<AppUser> {
  private readonly users: AppUser[] = [{ id: 1, username: USERNAME }];

  findById(id: string): AppUser | null {
    return this.users.find((user) => String(user.id) === id) ?? null;
  }

  verifyCredentials(username: string, password: string): AppUser | null {
    if (password !== PASSWORD) return null;
    return this.users.find((user) => user.username === username) ?? null;
  }
}
