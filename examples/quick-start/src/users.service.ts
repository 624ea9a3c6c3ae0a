import { ConflictException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import * as bcrypt from 'bcrypt';
import { TokenAuthUserProvider } from 'nest-token-auth';
import { Repository } from 'typeorm';
import { User } from './user.entity';

// Checked when the username is unknown, so a wrong name takes as long as a wrong password.
const NO_SUCH_USER = bcrypt.hashSync('no such user', 10);

@Injectable()
export class UsersService implements TokenAuthUserProvider<User> {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  async register(username: string, password: string): Promise<User> {
    const user = this.users.create({ username, passwordHash: await bcrypt.hash(password, 10) });
    try {
      await this.users.insert(user); // one INSERT: the unique index settles concurrent sign-ups
      return user;
    } catch (error) {
      if (await this.users.existsBy({ username })) throw new ConflictException('This username is taken.');
      throw error;
    }
  }

  // The module calls this on every authenticated request, with the id it stored beside the token.
  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id: Number(id) });
  }

  // POST /auth/login calls this; null means wrong credentials (401).
  async verifyCredentials(username: string, password: string): Promise<User | null> {
    const user = await this.users.findOneBy({ username });
    const ok = await bcrypt.compare(password, user?.passwordHash ?? NO_SUCH_USER);
    return ok ? user : null;
  }

  // What login returns as "user" (without it: { id }).
  serialize(user: User) {
    return { id: user.id, username: user.username };
  }
}
