import { DpopKeys } from './dpop-key';

/** Whether a refusal asks for the server's nonce (`use_dpop_nonce`, in the challenge or the body). */
export async function wantsNonce(response: Response): Promise<boolean> {
  if (response.status !== 400 && response.status !== 401) return false;
  if (/use_dpop_nonce/.test(response.headers.get('www-authenticate') ?? '')) return true;
  return ((await response.clone().json().catch(() => ({}))) as { error?: string }).error === 'use_dpop_nonce';
}

/**
 * Wraps `http` so every request carries a fresh proof by the key `kid()` names (none without a key):
 * `ath` for a request sent as `Authorization: DPoP <token>`, and the latest `DPoP-Nonce` the server
 * sent. A refusal asking for a nonce is retried once, with the nonce it carried.
 */
export function dpopFetch(http: (request: Request) => Promise<Response>, keys: DpopKeys, kid: () => string | undefined): (request: Request) => Promise<Response> {
  let nonce: string | undefined;
  return async (request) => {
    for (let retried = false; ; retried = true) {
      const id = kid();
      const attempt = request.clone();
      if (id) {
        const token = /^DPoP (.+)$/.exec(attempt.headers.get('authorization') ?? '')?.[1];
        // A key gone from storage (cleared by the user): sent without a proof, the server's refusal ends the session.
        const proof = await keys.proof(id, attempt.method, attempt.url, token, nonce).catch(() => null);
        if (proof) attempt.headers.set('dpop', proof);
      }
      const response = await http(attempt);
      nonce = response.headers.get('dpop-nonce') ?? nonce;
      if (retried || !id || !(await wantsNonce(response))) return response;
    }
  };
}
