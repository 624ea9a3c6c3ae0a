import { ExecutionContext } from '@nestjs/common';
import { TokenAuthException } from '../token-auth.exceptions';
import { AuthRequest, Transport } from './transport';

/** Where `TokenAuthSockets` keeps a platform-ws socket's upgrade credentials (that socket has no headers of its own). */
export const SOCKET_CREDENTIALS = Symbol.for('nest-token-auth.socket-credentials');

/** One request per handled message: the args array is shared by its guards and parameter decorators. */
const messageRequests = new WeakMap<object, AuthRequest>();

/**
 * WebSocket gateways (socket.io and ws). Every message is authenticated again from its connection's
 * credentials, so a revoked session's next message is refused. Credentials come from the handshake
 * `Authorization` header or socket.io's `auth: { token }`; never from the URL (RFC 6750 section 5.3)
 * nor from cookies (a cross-site page can open a socket with the victim's cookies).
 */
export const wsTransport: Transport = {
  request(context) {
    const args = context.getArgs();
    let request = messageRequests.get(args);
    if (!request) messageRequests.set(args, (request = socketRequest(context.switchToWs().getClient())));
    return request;
  },
  setHeader() {
    // A message has no response headers.
  },
  refusal(context, exception) {
    const client = context.switchToWs().getClient();
    const payload = refusalPayload(exception);
    // Nest's WebSocket filter "emits" an exception on the socket: socket.io sends it, a ws socket only fires it locally.
    if (!isSocketIo(client)) sendWsEvent(client, 'exception', payload);
    const { WsException } = require('@nestjs/websockets') as typeof import('@nestjs/websockets');
    return new WsException(payload);
  },
};

/** The credentials a socket connected with: `{ headers: { authorization }, ip }`. */
export function socketRequest(client: any): AuthRequest {
  if (isSocketIo(client)) {
    const { headers, auth, address } = client.handshake;
    const token = typeof auth?.token === 'string' ? `Bearer ${auth.token}` : undefined;
    return { headers: { authorization: headers?.authorization ?? token }, ip: address };
  }
  return { ...(client?.[SOCKET_CREDENTIALS] ?? { headers: {} }) };
}

/** The refusal as a socket sees it: the HTTP body's fields (`error`, `reason`, `message`...) plus `status: 'error'`. */
export function refusalPayload(exception: TokenAuthException): Record<string, unknown> {
  return { status: 'error', ...(exception.getResponse() as object) };
}

export function isSocketIo(client: any): boolean {
  return typeof client?.handshake === 'object' && client.handshake !== null;
}

/** A platform-ws frame in Nest's `{ event, data }` shape. */
export function sendWsEvent(client: any, event: string, data: unknown): void {
  if (client?.readyState === 1 && typeof client.send === 'function') client.send(JSON.stringify({ event, data }));
}
