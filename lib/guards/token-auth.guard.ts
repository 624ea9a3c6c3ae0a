import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, REQUIRED_SCOPES_KEY, TOKEN_AUTH_REQUEST_KEY } from '../token-auth.constants';
import { RequestAuthenticator } from '../request-authenticator';
import { AuthenticatedToken } from '../token-auth.service';
import { refusalIn, transportOf } from '../transports/transport';
import { iso } from '../token-auth.views';
import { InsufficientScopeException, MissingTokenException } from '../token-auth.exceptions';

/** What a route's decorators ask of the guard; read once per route. */
interface RouteRules {
  open: boolean;
  scopes: string[] | null;
}

/**
 * Requires a valid access token. Use it with `@UseGuards(TokenAuthGuard)`, or install it globally
 * (`globalGuard: true`) and mark open routes with `@Public()`. It calls the module's
 * `RequestAuthenticator` directly; the Passport strategy (`TOKEN_AUTH_STRATEGY`) applies the same
 * rules for hosts that compose strategies, at the cost of Passport's per-request machinery.
 */
@Injectable()
export class TokenAuthGuard implements CanActivate {
  private authenticator?: RequestAuthenticator;
  private readonly rules = new WeakMap<object, WeakMap<object, RouteRules>>();
  private readonly isoTexts = new Map<number, string>();

  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

  /**
   * Synchronous up to the database: missing or malformed credentials are refused without a promise.
   * Works in every Nest context (HTTP, GraphQL, WebSocket, microservice): `transportOf` finds the
   * request and turns a refusal into that context's error.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const rules = this.rulesOf(context);
    if (rules.open) return true;
    const transport = transportOf(context);
    const request = transport.request(context, true);
    // The guard is instantiated in the host's modules; the authenticator lives in TokenAuthModule.
    const authenticator = (this.authenticator ??= this.moduleRef.get(RequestAuthenticator, { strict: false }));
    try {
      // Already authenticated by an earlier TokenAuthGuard (a global one plus a route one): only check scopes.
      const earlier = request[TOKEN_AUTH_REQUEST_KEY] as AuthenticatedToken | undefined;
      if (earlier) return this.checkScopes(earlier, rules);
      const pending = authenticator.authenticate(request);
      if (!pending) throw new MissingTokenException();
      return pending
        .then((auth) => {
          request.user = auth.user;
          // Tells the client when its token now expires (after any sliding), so it can plan a refresh.
          const header = authenticator.expiryHeader;
          if (header && auth.expiresAt !== null) transport.setHeader(context, header, this.isoOf(auth.expiresAt));
          return this.checkScopes(auth, rules);
        })
        .catch((error) => {
          throw refusalIn(context, error, authenticator.challengeSettings);
        });
    } catch (error) {
      throw refusalIn(context, error, authenticator.challengeSettings);
    }
  }

  private checkScopes(auth: AuthenticatedToken, rules: RouteRules): true {
    if (rules.scopes && !rules.scopes.every((scope) => auth.session.scopes.includes(scope))) throw new InsufficientScopeException(rules.scopes);
    return true;
  }

  /** The header's ISO time; a token's expiry changes at most once per `minRefreshInterval`, so most are repeats. */
  private isoOf(ms: number): string {
    let text = this.isoTexts.get(ms);
    if (text === undefined) {
      if (this.isoTexts.size >= 10_000) this.isoTexts.clear();
      this.isoTexts.set(ms, (text = iso(ms) as string));
    }
    return text;
  }

  /** Route metadata does not change after boot, so it is read once per controller class and handler. */
  private rulesOf(context: ExecutionContext): RouteRules {
    const handler = context.getHandler();
    const controller = context.getClass();
    let ofClass = this.rules.get(controller);
    if (!ofClass) this.rules.set(controller, (ofClass = new WeakMap()));
    let rules = ofClass.get(handler);
    if (!rules) {
      const targets = [handler, controller];
      const scopes = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES_KEY, targets);
      rules = { open: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true, scopes: scopes?.length ? scopes : null };
      ofClass.set(handler, rules);
    }
    return rules;
  }
}
