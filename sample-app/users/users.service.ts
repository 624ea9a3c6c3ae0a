import { ConflictException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import * as bcrypt from 'bcrypt';
import { Repository } from 'typeorm';
import { TokenAuthUserProvider } from '../../lib';
import { User } from './user.entity';

const BCRYPT_ROUNDS = 10;
// Compared against when the username does not exist, so both paths cost one bcrypt check.
const DUMMY_HASH = bcrypt.hashSync('not-a-real-password', BCRYPT_ROUNDS);

/** Users with bcrypt passwords; also the token module's user provider. */
@Injectable()
export class UsersService implements TokenAuthUserProvider<User> {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  async register(username: string, password: string): Promise<User> {
    if (await this.users.findOne({ where: { username } })) throw new ConflictException(`username "${username}" is taken`);
    return this.users.save(this.users.create({ username, passwordHash: await bcrypt.hash(password, BCRYPT_ROUNDS) }));
  }

  async changePassword(user: User, password: string): Promise<void> {
    await this.users.update({ id: user.id }, { passwordHash: await bcrypt.hash(password, BCRYPT_ROUNDS) });
  }

  findById(id: string): Promise<User | null> {
    return /^\d+$/.test(id) ? this.users.findOne({ where: { id: Number(id) } }) : Promise.resolve(null);
  }

  async verifyCredentials(username: string, password: string): Promise<User | null> {
    const user = await this.users.findOne({ where: { username } });
    const ok = await bcrypt.compare(password, user?.passwordHash ?? DUMMY_HASH);
    return ok && user ? user : null;
  }

  getId(user: User): string {
    return String(user.id);
  }

  /** Every user may read and change their profile; a login can ask for less (e.g. `scope: "me:read"`). */
  allowedScopes(): string[] {
    return ['me:read', 'me:write'];
  }

  serialize(user: User): { id: number; username: string } {
    return { id: user.id, username: user.username };
  }
}
