import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { RequestAuthenticator } from '../request-authenticator';
import { TokenAuthEvents } from '../token-auth.events.service';
import { InvalidTokenException, MissingTokenException, TokenAuthException, TokenStoreUnavailableException } from '../token-auth.exceptions';
import { AuthenticatedToken } from '../token-auth.service';
import { TokenCache } from '../token-cache';
import { graphqlWsRequest } from './graphql.transport';
import { AuthRequest } from './transport';
import { isSocketIo, refusalPayload, sendWsEvent, SOCKET_CREDENTIALS, socketRequest } from './ws.transport';

/** A live socket and the credentials it connected with. */
interface Tracked {
  socket: any;
  request: AuthRequest;
  sessionId: string;
  userId: string;
}

/** Close code of a refused or revoked ws / graphql-ws connection (graphql-ws' own 4401/4403 range). */
const CLOSE_CODES: Record<number, number> = { 401: 4401, 403: 4403, 429: 4429, 503: 4503 };

/**
 * Authenticates WebSocket connections (socket.io, ws, graphql-ws) and keeps their sockets by session,
 * so that a revocation (logout, logout-all, password change, reuse detected) disconnects that
 * session's live sockets at once: here through the module's events, on other instances through the
 * cache invalidation channel (`cache.invalidation`) when one is configured.
 */
@Injectable()
export class TokenAuthSockets implements OnModuleInit {
  private readonly logger = new Logger('TokenAuth');
  private readonly live = new Set<Tracked>();

  constructor(
    private readonly authenticator: RequestAuthenticator,
    private readonly events: TokenAuthEvents,
    @Optional() @Inject(TokenCache) private readonly cache: TokenCache | null,
  ) {}

  onModuleInit(): void {
    this.events.subscribe((event) => {
      if (event.type !== 'revoked' && event.type !== 'reuse-detected') return;
      if (event.sessionId) this.recheck((s) => s.sessionId === event.sessionId);
      else this.recheck((s) => s.userId === event.userId);
    });
    this.cache?.onRemoteEviction((kind, id) => this.recheck((s) => (kind === 'family' ? s.sessionId === id : s.userId === id)));
  }

  /**
   * socket.io middleware (`server.use(sockets.socketIo())` in `afterInit`): refuses the handshake
   * with a `connect_error` whose `data` holds `error`/`reason`, and keeps accepted sockets.
   */
  socketIo(): (socket: object, next: (error?: Error) => void) => void {
    return (socket, next) => {
      this.check(socketRequest(socket)).then(
        (auth) => {
          this.track(socket, socketRequest(socket), auth);
          next();
        },
        (error) => next(Object.assign(new Error(error instanceof TokenAuthException ? String((error.getResponse() as any).message) : 'Authentication failed'), { data: payloadOf(error) })),
      );
    };
  }

  /**
   * For `handleConnection(client, request)` of a socket.io or ws gateway: authenticates the
   * connection (ws needs the upgrade `request`), keeps it, and returns its token. A refused socket
   * gets an `exception` event and is disconnected; `null` is returned.
   */
  async connect(client: object, request?: { headers?: Record<string, unknown>; socket?: { remoteAddress?: string } }): Promise<AuthenticatedToken | null> {
    if (!isSocketIo(client) && request) {
      (client as Record<symbol, unknown>)[SOCKET_CREDENTIALS] = { headers: { authorization: request.headers?.authorization }, ip: request.socket?.remoteAddress };
    }
    const credentials = socketRequest(client);
    try {
      const auth = await this.check(credentials);
      this.track(client, credentials, auth);
      return auth;
    } catch (error) {
      this.disconnect(client, error);
      return null;
    }
  }

  /**
   * graphql-ws `onConnect`: authenticates `connection_init` (`{ authorization: 'Bearer <token>' }`,
   * else the upgrade request's header). A refused connection closes with 4401/4403 and `error: reason`.
   */
  graphqlWs(): (context: { connectionParams?: Readonly<Record<string, unknown>> | null; extra?: unknown }) => Promise<boolean> {
    return async (context) => {
      const request = graphqlWsRequest(context);
      const socket = (context.extra as { socket?: unknown } | undefined)?.socket;
      try {
        this.track(socket, request, await this.check(request));
        return true;
      } catch (error) {
        this.disconnect(socket, error);
        return false;
      }
    };
  }

  /** How many sockets are kept (for tests and metrics). */
  get size(): number {
    return this.live.size;
  }

  private async check(request: AuthRequest): Promise<AuthenticatedToken> {
    const pending = this.authenticator.authenticate(request);
    if (!pending) throw new MissingTokenException();
    return pending;
  }

  private track(socket: any, request: AuthRequest, auth: AuthenticatedToken): void {
    if (!socket) return;
    const tracked: Tracked = { socket, request, sessionId: auth.session.sessionId, userId: auth.session.userId };
    this.live.add(tracked);
    const forget = () => this.live.delete(tracked);
    if (isSocketIo(socket)) socket.once('disconnect', forget);
    else socket.once?.('close', forget);
  }

  /** Checks the matching sockets' tokens again and disconnects those now refused (an outage disconnects nobody). */
  private recheck(matches: (tracked: Tracked) => boolean): void {
    for (const tracked of this.live) {
      if (!matches(tracked)) continue;
      this.check(tracked.request).then(
        () => undefined,
        (error) => {
          if (error instanceof TokenStoreUnavailableException || !(error instanceof TokenAuthException)) {
            this.logger.warn(`could not re-check a socket after a revocation: ${(error as Error)?.message ?? error}`);
            return;
          }
          this.live.delete(tracked);
          this.disconnect(tracked.socket, error);
        },
      );
    }
  }

  private disconnect(socket: any, error: unknown): void {
    if (!socket) return;
    const refusal = error instanceof TokenAuthException ? error : new InvalidTokenException('unknown', 'Authentication failed.');
    const payload = refusalPayload(refusal);
    if (isSocketIo(socket)) {
      socket.emit('exception', payload);
      socket.disconnect(true);
      return;
    }
    // A graphql-ws socket speaks its own protocol: only the close frame carries the refusal there.
    if (!socket.protocol) sendWsEvent(socket, 'exception', payload);
    const reason = [payload.error, payload.reason].filter(Boolean).join(': ');
    socket.close?.(CLOSE_CODES[refusal.getStatus()] ?? 4400, reason.slice(0, 120));
  }
}

function payloadOf(error: unknown): Record<string, unknown> {
  return refusalPayload(error instanceof TokenAuthException ? error : new InvalidTokenException('unknown', 'Authentication failed.'));
}
