/**
 * What the module reads from an HTTP request for DPoP: the proof header and the request's method and
 * URI. Kept apart from the checks so other transports could supply the same fields.
 */
export interface DpopPresentation {
  /** `true` when the `Authorization` scheme was `DPoP`. */
  dpopScheme: boolean;
  /** The `DPoP` header as received: `undefined` when absent, an array when repeated. */
  proof: unknown;
  method: string;
  /** The absolute request URI (query included; the check drops it). */
  url: string;
}

const DPOP_SCHEME = /^dpop[ \t]/i;

/** Whether an `Authorization` header uses the `DPoP` scheme. */
export function usesDpopScheme(authorization: unknown): boolean {
  return typeof authorization === 'string' && DPOP_SCHEME.test(authorization);
}

/** The DPoP side of an Express or Fastify request; `origin` (the `dpop.origin` option) overrides protocol and host. */
export function presentationOf(request: Record<string | symbol, any>, origin: string | null): DpopPresentation {
  const headers = request.headers ?? {};
  return {
    dpopScheme: usesDpopScheme(headers.authorization),
    proof: headers.dpop,
    method: String(request.method ?? ''),
    url: `${origin ?? originOf(request)}${pathOf(request)}`,
  };
}

function originOf(request: Record<string | symbol, any>): string {
  // Express's `protocol` honours `trust proxy`; Fastify's its own `trustProxy`; a bare request knows only its socket.
  const protocol = typeof request.protocol === 'string' ? request.protocol.replace(/:$/, '') : request.socket?.encrypted ? 'https' : 'http';
  return `${protocol}://${request.headers?.host ?? ''}`;
}

function pathOf(request: Record<string | symbol, any>): string {
  const path = request.originalUrl ?? request.url ?? '/';
  return typeof path === 'string' && path.startsWith('/') ? path : '/';
}
