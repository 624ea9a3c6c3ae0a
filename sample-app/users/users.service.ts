import { ConflictException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import * as bcrypt from 'bcrypt';
import { QueryFailedError, Repository } from 'typeorm';
import { TokenAuthUserProvider } from '../../lib';
import { fitsBcrypt } from './password';
import { isUniqueViolation } from './unique-violation';
import { User } from './user.entity';
import { canonicalUsername } from './username';

const BCRYPT_ROUNDS = 10;
// Compared against when the username does not exist, so both paths cost one bcrypt check.
const DUMMY_HASH = bcrypt.hashSync('not-a-real-password', BCRYPT_ROUNDS);

/** Users with bcrypt passwords; also the token module's user provider. */
@Injectable()
export class UsersService implements TokenAuthUserProvider<User> {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /** Registers a canonical username (see username.ts); 409 when it is taken. */
  async register(username: string, password: string): Promise<User> {
    const passwordHash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    try {
      // One INSERT and the unique index decide, so concurrent registrations of a name cannot both win.
      const { identifiers } = await this.users.insert({ username, passwordHash });
      return this.users.create({ id: identifiers[0].id, username, passwordHash });
    } catch (error) {
      // The answer does not repeat the name: it may hold anything the client sent.
      if (isUniqueViolation(error)) throw new ConflictException({ error: 'username_taken', message: 'This username is taken.' });
      // A QueryFailedError carries the statement's parameters, the password hash among them: keep them out of the log.
      throw error instanceof QueryFailedError ? new Error(`registration failed: ${error.message}`) : error;
    }
  }

  /** Whether `password` is the user's current password (read afresh: the token module may have cached the user). */
  async hasPassword(user: User, password: string): Promise<boolean> {
    const current = await this.users.findOne({ where: { id: user.id } });
    const ok = await bcrypt.compare(password, current?.passwordHash ?? DUMMY_HASH);
    return ok && current !== null && fitsBcrypt(password);
  }

  async changePassword(user: User, password: string): Promise<void> {
    await this.users.update({ id: user.id }, { passwordHash: await bcrypt.hash(password, BCRYPT_ROUNDS) });
  }

  findById(id: string): Promise<User | null> {
    return /^\d+$/.test(id) ? this.users.findOne({ where: { id: Number(id) } }) : Promise.resolve(null);
  }

  /**
   * The login check. The username is normalised as at registration, so "ａｌｉｃｅ" is alice and a name
   * outside the rule finds no one; a password over bcrypt's 72 bytes never matches (it could not have
   * been registered). bcrypt runs on every path, so the time taken does not tell which check failed.
   */
  async verifyCredentials(username: string, password: string): Promise<User | null> {
    const canonical = canonicalUsername(username);
    const user = canonical === null ? null : await this.users.findOne({ where: { username: canonical } });
    const ok = await bcrypt.compare(password, user?.passwordHash ?? DUMMY_HASH);
    return ok && user && fitsBcrypt(password) ? user : null;
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
