import { ExecutionContext } from '@nestjs/common';
import { TokenAuthException } from '../token-auth.exceptions';
import { ChallengeSettings } from './challenge';
import { graphqlTransport } from './graphql.transport';
import { httpTransport } from './http.transport';
import { rpcTransport } from './rpc.transport';
import { wsTransport } from './ws.transport';

/**
 * What the guards and decorators need from a request, whatever carried it: the credential headers,
 * the client's address, and room for the authenticated user and token.
 */
export interface AuthRequest {
  headers?: Record<string, unknown>;
  ip?: unknown;
  user?: unknown;
  [key: string | symbol]: unknown;
}

/** One Nest execution context type: where its request is, how a header is answered, how a refusal travels. */
export interface Transport {
  /**
   * The request to authenticate; the same object for every guard and decorator of one call. Guards
   * pass `fresh`: a socket's next message must be authenticated again, even with the same payload.
   */
  request(context: ExecutionContext, fresh?: boolean): AuthRequest;
  /** Sets a response header where the transport has one (HTTP, GraphQL over HTTP); otherwise nothing. */
  setHeader(context: ExecutionContext, name: string, value: string): void;
  /** What to throw for a module refusal in this context (an HttpException, a GraphQLError, a WsException, an RpcException). */
  refusal(context: ExecutionContext, exception: TokenAuthException, settings: ChallengeSettings): Error;
}

const transports: Record<string, Transport> = { http: httpTransport, graphql: graphqlTransport, ws: wsTransport, rpc: rpcTransport };

/** The transport of an execution context; unknown context types are treated as HTTP, as Nest itself does. */
export function transportOf(context: ExecutionContext): Transport {
  return transports[context.getType<string>()] ?? httpTransport;
}

/** The request of any context (HTTP, GraphQL, WebSocket message, microservice message). */
export function requestOf(context: ExecutionContext): AuthRequest {
  return transportOf(context).request(context);
}

/** Converts a module refusal into the context's own error shape; any other error is returned unchanged. */
export function refusalIn(context: ExecutionContext, error: unknown, settings: ChallengeSettings): unknown {
  return error instanceof TokenAuthException ? transportOf(context).refusal(context, error, settings) : error;
}
