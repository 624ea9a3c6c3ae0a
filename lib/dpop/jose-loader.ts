/**
 * The part of `jose` the proof check uses, typed here so that nothing of `jose` reaches the package's
 * public types (it is an optional peer: hosts without DPoP need not install it).
 */
export interface JoseApi {
  decodeProtectedHeader(token: string): Record<string, unknown>;
  calculateJwkThumbprint(jwk: Record<string, unknown>, digest: 'sha256'): Promise<string>;
  importJWK(jwk: Record<string, unknown>, alg: string): Promise<unknown>;
  jwtVerify(
    jwt: string,
    key: any,
    options: { algorithms: string[]; typ: string; currentDate: Date },
  ): Promise<{ payload: Record<string, unknown>; protectedHeader: Record<string, unknown> }>;
}

// `import()` kept as written: TypeScript would turn a literal one into `require()` in CommonJS output.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<JoseApi>;

/**
 * Loads `jose` once, at boot, and only when `dpop` is not `'off'`. `require` works for its ES module
 * build on Node 20.19 and later; older Node falls back to `import()`.
 */
export async function loadJose(): Promise<JoseApi> {
  try {
    return require('jose') as JoseApi;
  } catch (error) {
    if ((error as { code?: string })?.code !== 'ERR_REQUIRE_ESM') throw error;
    return importModule('jose');
  }
}
