/** Makes and keeps DPoP keys, and signs proofs with them (RFC 9449); see `createDpopKeys`. */
export interface DpopKeys {
  /** Makes a new ES256 key pair (private key not extractable), keeps it, and resolves its id. */
  create(): Promise<string>;
  /**
   * A proof JWT by key `id` for a request: `htu` is `url` without query and fragment; `accessToken`
   * adds `ath`, `nonce` the server's `DPoP-Nonce`. Rejects when no key has this id.
   */
  proof(id: string, method: string, url: string, accessToken?: string, nonce?: string): Promise<string>;
  /** Forgets key `id`. */
  drop(id: string): Promise<void>;
}

/** The public part of a P-256 key as a proof's header carries it. */
interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
}

/** What is stored per key: the private `CryptoKey` (structured clone keeps it non-extractable) and the public JWK. */
interface KeyRecord {
  privateKey: CryptoKey;
  jwk: PublicJwk;
}

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const bytes = (text: string) => new TextEncoder().encode(text);
const b64 = (data: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(data))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const part = (value: object) => b64(bytes(JSON.stringify(value)));

/** Runs one request on the `keys` store of `db` and resolves its result once the transaction commits. */
function run<T>(db: IDBDatabase, write: boolean, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('keys', write ? 'readwrite' : 'readonly');
    const request = op(tx.objectStore('keys'));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/**
 * DPoP keys in the IndexedDB database `<name>-dpop`, so that a reload and the other tabs of the
 * origin find a session's key by its id; in memory only where IndexedDB is missing or refused
 * (Node, some private modes). Only WebCrypto touches the key: ECDSA signatures already have the
 * raw r||s form JWS wants.
 */
export function createDpopKeys(name = 'nta'): DpopKeys {
  const known = new Map<string, KeyRecord>();
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  const db = new Promise<IDBDatabase | null>((resolve) => {
    if (!idb) return resolve(null);
    const open = idb.open(`${name}-dpop`, 1);
    open.onupgradeneeded = () => open.result.createObjectStore('keys');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => resolve(null);
  });
  const subtle = crypto.subtle;

  return {
    async create() {
      const pair = (await subtle.generateKey(ECDSA, false, ['sign'])) as CryptoKeyPair;
      const { kty, crv, x, y } = (await subtle.exportKey('jwk', pair.publicKey)) as PublicJwk;
      const id = b64(crypto.getRandomValues(new Uint8Array(12)));
      const record = { privateKey: pair.privateKey, jwk: { kty, crv, x, y } };
      known.set(id, record);
      const store = await db;
      if (store) await run(store, true, (keys) => keys.put(record, id));
      return id;
    },
    async proof(id, method, url, accessToken, nonce) {
      let record = known.get(id);
      const store = await db;
      if (!record && store) record = await run<KeyRecord | undefined>(store, false, (keys) => keys.get(id));
      if (!record) throw new Error(`No DPoP key ${id}`);
      known.set(id, record);
      const ath = accessToken === undefined ? undefined : b64(await subtle.digest('SHA-256', bytes(accessToken)));
      const claims = { jti: b64(crypto.getRandomValues(new Uint8Array(16))), htm: method, htu: url.split(/[?#]/)[0], iat: Math.floor(Date.now() / 1000), ath, nonce };
      const input = `${part({ typ: 'dpop+jwt', alg: 'ES256', jwk: record.jwk })}.${part(claims)}`;
      return `${input}.${b64(await subtle.sign(ECDSA, record.privateKey, bytes(input)))}`;
    },
    async drop(id) {
      known.delete(id);
      const store = await db;
      if (store) await run(store, true, (keys) => keys.delete(id));
    },
  };
}
