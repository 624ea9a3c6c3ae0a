import { UseGuards } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage, WebSocketGateway, WsException } from '@nestjs/websockets';
import { AuthenticatedToken, CurrentToken, CurrentUser, RequireScopes, TokenAuthGuard, TokenAuthSockets } from '../../lib';
import { TestUser } from '../support/test-app';

/** The gateway's handlers; each platform's gateway below adds only how connections are accepted. */
abstract class NotesHandlers {
  @SubscribeMessage('whoami')
  @UseGuards(TokenAuthGuard)
  whoami(@CurrentUser() user: TestUser, @CurrentToken() token: AuthenticatedToken) {
    return { event: 'whoami', data: { username: user.username, sessionId: token.session.sessionId } };
  }

  @SubscribeMessage('admin')
  @RequireScopes('admin')
  admin() {
    return { event: 'admin', data: 'admin ok' };
  }

  /** A host refusal of its own: the module must not change how it is answered. */
  @SubscribeMessage('host-error')
  hostError(@MessageBody() body: unknown) {
    throw new WsException({ status: 'error', host: true, echo: body });
  }
}

/** socket.io: the handshake is authenticated by the module's middleware; each message by the guard. */
@WebSocketGateway()
export class SocketIoGateway extends NotesHandlers implements OnGatewayInit {
  constructor(private readonly sockets: TokenAuthSockets) {
    super();
  }

  afterInit(server: any) {
    server.use(this.sockets.socketIo());
  }
}

/** socket.io without connection-time authentication: only the message guard decides. */
@WebSocketGateway({ namespace: 'open' })
export class OpenSocketIoGateway extends NotesHandlers {}

/** ws: the upgrade request is authenticated in handleConnection; each message by the guard. */
@WebSocketGateway({ path: '/ws' })
export class WsGateway extends NotesHandlers implements OnGatewayConnection {
  constructor(private readonly sockets: TokenAuthSockets) {
    super();
  }

  handleConnection(@ConnectedSocket() client: any, request: any) {
    return this.sockets.connect(client, request);
  }
}
