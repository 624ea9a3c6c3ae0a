import { ExecutionContext } from '@nestjs/common';
import { TokenAuthException } from '../token-auth.exceptions';
import { AuthRequest, Transport } from './transport';

/** Where `TokenAuthSockets` keeps a platform-ws socket's upgrade credentials (that socket has no headers of its own). */
export const SOCKET_CREDENTIALS = Symbol.for('nest-token-auth.socket-credentials');

/**
 * The requests of a socket's latest messages. Guards of one message share its args array; parameter
 * decorators get a copy of it, so they match on its elements. Every message of a socket carries the
 * same credentials, so a decorator can never see another user.
 */
const messageRequests = new WeakMap<object, Array<{ args: unknown[]; request: AuthRequest }>>();
const KEPT_PER_SOCKET = 8;

/**
 * WebSocket gateways (socket.io and ws). Every message is authenticated again from its connection's
 * credentials, so a revoked session's next message is refused. Credentials come from the handshake
 * `Authorization` header or socket.io's `auth: { token }`; never from the URL (RFC 6750 section 5.3)
 * nor from cookies (a cross-site page can open a socket with the victim's cookies).
 */
export const wsTransport: Transport = {
  request(context, fresh) {
    const args = context.getArgs();
    const client = context.switchToWs().getClient();
    let recent = messageRequests.get(client);
    if (!recent) messageRequests.set(client, (recent = []));
    const found = recent.find((entry) => entry.args === args) ?? (fresh ? undefined : recent.find((entry) => sameElements(entry.args, args)));
    if (found) return found.request;
    const request = socketRequest(client);
    recent.unshift({ args, request });
    if (recent.length > KEPT_PER_SOCKET) recent.pop();
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

function sameElements(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
