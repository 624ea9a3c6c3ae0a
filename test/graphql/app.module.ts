import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { BadRequestException, UseGuards } from '@nestjs/common';
import { Args, Field, GraphQLModule, Int, Mutation, ObjectType, Query, Resolver, Subscription } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { AuthenticatedToken, CurrentToken, CurrentUser, RequireScopes, TokenAuthGuard, TokenAuthSockets } from '../../lib';
import { TestUser } from '../support/test-app';

@ObjectType()
class Me {
  @Field(() => Int) id: number;
  @Field() username: string;
  @Field() sessionId: string;
}

/** A host's resolvers: guarded queries, a mutation, a subscription, and errors of its own. */
@Resolver()
export class NotesResolver {
  @Query(() => Me)
  @UseGuards(TokenAuthGuard)
  me(@CurrentUser() user: TestUser, @CurrentToken() token: AuthenticatedToken): Me {
    return { id: user.id, username: user.username, sessionId: token.session.sessionId };
  }

  @Query(() => String)
  @RequireScopes('admin')
  adminOnly(): string {
    return 'admin ok';
  }

  @Mutation(() => String)
  @UseGuards(TokenAuthGuard)
  addNote(@Args('text') text: string, @CurrentUser() user: TestUser): string {
    return `${user.username}: ${text}`;
  }

  /** Sends one greeting, then stays open until the client or the server ends it. */
  @Subscription(() => String)
  @UseGuards(TokenAuthGuard)
  greetings(@CurrentUser() user: TestUser): AsyncIterableIterator<{ greetings: string }> {
    return (async function* () {
      yield { greetings: `hello ${user.username}` };
      await new Promise(() => undefined);
    })();
  }

  @Query(() => String)
  hostGraphqlError(): string {
    throw new GraphQLError('the host refuses', { extensions: { code: 'HOST_REFUSAL', detail: 42 } });
  }

  @Query(() => String)
  hostHttpError(): string {
    throw new BadRequestException('host bad request');
  }
}

/** Apollo on the app's HTTP server; graphql-ws authenticates `connection_init` with the module's socket helper. */
export const graphqlModule = (authenticate: boolean) =>
  GraphQLModule.forRootAsync<ApolloDriverConfig>({
    driver: ApolloDriver,
    inject: authenticate ? [TokenAuthSockets] : [],
    useFactory: (sockets?: TokenAuthSockets) => ({
      autoSchemaFile: true,
      playground: false,
      subscriptions: { 'graphql-ws': sockets ? { onConnect: sockets.graphqlWs() } : true },
    }),
  });
