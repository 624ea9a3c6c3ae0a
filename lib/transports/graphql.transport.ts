import { ExecutionContext } from '@nestjs/common';
import { setResponseHeader } from '../http-compat';
import { TokenAuthException } from '../token-auth.exceptions';
import { writeRefusalHeaders } from './http.transport';
import { AuthRequest, Transport } from './transport';

/** `extensions.code` of each refusal status (the Apollo names for 401 and 403). */
const CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** Requests built from graphql-ws connections, one per operation context. */
const subscriptionRequests = new WeakMap<object, AuthRequest>();

/**
 * GraphQL resolvers (Apollo and Mercurius). Queries and mutations carry the HTTP request in the
 * GraphQL context (`req`, or Mercurius' `reply.request`); a graphql-ws subscription carries the
 * `connection_init` payload (`connectionParams.authorization`) and the upgrade request.
 * Refusals are `GraphQLError`s with `extensions.code` and the HTTP body's `error`/`reason`.
 */
export const graphqlTransport: Transport = {
  request(context) {
    const gql = contextOf(context);
    const req = gql.req ?? gql.request ?? gql.reply?.request;
    const connection = isGraphqlWsContext(req) ? req : isGraphqlWsContext(gql) ? gql : null;
    if (!connection) return req ?? gql;
    let request = subscriptionRequests.get(gql);
    if (!request) subscriptionRequests.set(gql, (request = graphqlWsRequest(connection)));
    return request;
  },
  setHeader(context, name, value) {
    const response = responseOf(contextOf(context));
    if (response) setResponseHeader(response, name, value);
  },
  refusal(context, exception, settings) {
    const response = responseOf(contextOf(context));
    if (response) writeRefusalHeaders(response, exception, settings);
    return graphqlError(exception);
  },
};

/** The credentials of a graphql-ws connection: its `connection_init` payload, else its upgrade request's header. */
export function graphqlWsRequest(connection: { connectionParams?: Readonly<Record<string, unknown>> | null; extra?: any }): AuthRequest {
  const params = connection.connectionParams ?? {};
  const authorization = params.authorization ?? params.Authorization ?? connection.extra?.request?.headers?.authorization;
  return { headers: { authorization }, ip: connection.extra?.request?.socket?.remoteAddress };
}

/** The module refusal as a GraphQL error (`graphql` is loaded only here, when a GraphQL context refuses). */
export function graphqlError(exception: TokenAuthException): Error {
  const { GraphQLError } = require('graphql') as typeof import('graphql');
  const { message, statusCode, ...fields } = exception.getResponse() as Record<string, unknown>;
  const status = exception.getStatus();
  return new GraphQLError(String(message), { extensions: { code: CODES[status] ?? 'BAD_REQUEST', status, ...fields } });
}

function contextOf(context: ExecutionContext): Record<string, any> {
  return context.getArgByIndex(2) ?? {};
}

function isGraphqlWsContext(value: any): boolean {
  return typeof value === 'object' && value !== null && 'connectionParams' in value && 'extra' in value;
}

function responseOf(gql: Record<string, any>): unknown {
  return gql.res ?? gql.reply ?? gql.req?.res ?? null;
}
