// A small host app written as a user of the package writes one: everything from the package comes
// from its entry point (here '../../lib', for a user 'nest-token-auth').
import { Controller, Get, Injectable, Module, UseGuards } from '@nestjs/common';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { Column, Entity, PrimaryGeneratedColumn, Repository } from 'typeorm';
import {
  AuthenticatedToken,
  CurrentToken,
  CurrentUser,
  inMemoryTokenDatabase,
  Public,
  RequireScopes,
  TokenAuthGuard,
  TokenAuthModule,
  TokenAuthUserProvider,
} from '../../lib';

@Entity('people')
export class Person {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 50 })
  name: string;
}

@Injectable()
export class People implements TokenAuthUserProvider<Person> {
  constructor(@InjectRepository(Person) readonly repository: Repository<Person>) {}

  findById(id: string) {
    return this.repository.findOneBy({ id: Number(id) });
  }

  async verifyCredentials(name: string, password: string) {
    return password === 'open sesame' ? this.repository.findOneBy({ name }) : null;
  }

  allowedScopes(person: Person) {
    return person.name === 'root' ? ['notes', 'admin'] : ['notes'];
  }
}

class NotesRoutes {
  @Get('notes')
  list(@CurrentUser() person: Person, @CurrentToken() token: AuthenticatedToken<Person>) {
    return { owner: person.name, session: token.session.sessionId, scopes: token.session.scopes };
  }

  /** Hands the whole token to the client: it must carry nothing secret. */
  @Get('whoami')
  whoami(@CurrentToken() token: AuthenticatedToken<Person>) {
    return token;
  }

  @Get('admin')
  @RequireScopes('admin')
  admin() {
    return { admin: true };
  }

  @Public()
  @Get('health')
  health() {
    return { ok: true };
  }
}

@Controller()
class GloballyGuardedNotes extends NotesRoutes {}

@Controller()
@UseGuards(TokenAuthGuard)
class GuardedNotes extends NotesRoutes {}

/** The host's root module, with `TokenAuthGuard` global or on the controller. */
export function hostModule(globalGuard: boolean) {
  @Module({
    imports: [
      TypeOrmModule.forRoot(inMemoryTokenDatabase()),
      TypeOrmModule.forFeature([Person]),
      TokenAuthModule.forRoot({ mode: 'rotate', users: People, secrets: 'a-test-secret-of-at-least-32-bytes-0123456789', globalGuard }),
    ],
    providers: [People],
    controllers: [globalGuard ? GloballyGuardedNotes : GuardedNotes],
  })
  class AppModule {}
  return AppModule;
}
