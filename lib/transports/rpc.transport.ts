import { Transport } from './transport';
import { AuthRequest } from './transport';

/** One request per handled message: the args array is shared by its guards and parameter decorators. */
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
    let request = messageRequests.get(args);
    if (!request) {
      const data = context.switchToRpc().getData();
      const authorization = typeof data === 'object' && data !== null ? data.authorization : undefined;
      messageRequests.set(args, (request = { headers: { authorization } }));
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
