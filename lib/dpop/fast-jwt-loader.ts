/** A JWT as `fast-jwt` returns it with `complete: true`: the decoded header and payload. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** The options of `createVerifier` the proof check sets. */
export interface JwtVerifierOptions {
  /** The public key, SPKI PEM. */
  key: string;
  algorithms: string[];
  complete: true;
  checkTyp: string;
  /** `exp` and `nbf` are checked against the module clock instead (a verifier lives as long as its key). */
  ignoreExpiration: true;
  ignoreNotBefore: true;
}

/**
 * The part of `fast-jwt` the proof check uses, typed here so that nothing of `fast-jwt` reaches the
 * package's public types (it is an optional peer: hosts without DPoP need not install it).
 */
export interface FastJwtApi {
  createDecoder(options: { complete: true }): (token: string) => DecodedJwt;
  createVerifier(options: JwtVerifierOptions): (token: string) => DecodedJwt;
}

/** Loads `fast-jwt` once, at boot, and only when `dpop` is not `'off'`. */
export function loadFastJwt(): FastJwtApi {
  return require('fast-jwt') as FastJwtApi;
}

/** Where `fast-jwt` was found, for the signature workers to load the same copy. */
export function fastJwtPath(): string {
  return require.resolve('fast-jwt');
}
