import { Controller, UseGuards } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { AuthenticatedToken, CurrentToken, CurrentUser, RequireScopes, TokenAuthGuard } from '../../lib';
import { TestUser } from '../support/test-app';

/** Message handlers of a host microservice; the token travels in the message's `authorization` field. */
@Controller()
export class NotesMessages {
  readonly events: string[] = [];

  @MessagePattern('whoami')
  @UseGuards(TokenAuthGuard)
  whoami(@CurrentUser() user: TestUser, @CurrentToken() token: AuthenticatedToken) {
    return { username: user.username, sessionId: token.session.sessionId };
  }

  @MessagePattern('admin')
  @RequireScopes('admin')
  admin() {
    return 'admin ok';
  }

  @EventPattern('note-added')
  @UseGuards(TokenAuthGuard)
  noteAdded(@Payload() data: { text: string }, @CurrentUser() user: TestUser) {
    this.events.push(`${user.username}: ${data.text}`);
  }

  @MessagePattern('host-error')
  hostError() {
    throw new RpcException({ host: true, code: 'HOST' });
  }
}
