import { AuthRequest, Transport } from './transport';

/** One request per handled message, keyed by its transport context (made per message; decorators get a copy of the args). */
const messageRequests = new WeakMap<object, AuthRequest>();

/**
 * Microservice handlers (`@MessagePattern`, `@EventPattern`) on any transport. The token travels in
 * the message: an `authorization` field holding `Bearer <token>`, as the HTTP header would.
 * Refusals are `RpcException`s carrying the HTTP body's fields, so the client's observable errors
 * with them instead of timing out.
 */
export const rpcTransport: Transport = {
  request(context) {
    const args = context.getArgs();
    const key = typeof args[1] === 'object' && args[1] !== null ? args[1] : args;
    let request = messageRequests.get(key);
    if (!request) {
      const data = context.switchToRpc().getData();
      const authorization = typeof data === 'object' && data !== null ? data.authorization : undefined;
      messageRequests.set(key, (request = { headers: { authorization } }));
    }
    return request;
  },
  setHeader() {
    // Replies have no headers on most transports.
  },
  refusal(_context, exception) {
    const { RpcException } = require('@nestjs/microservices') as typeof import('@nestjs/microservices');
    return new RpcException({ status: 'error', ...(exception.getResponse() as object) });
  },
};
