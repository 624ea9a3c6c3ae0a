/** Where the client keeps its session: `localStorage` (shared by tabs), `sessionStorage`, memory, or the host's own. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** What the client knows of the session. In cookie mode no token is ever written here. */
export interface SessionState {
  access?: string;
  refresh?: string;
  /** Access token (rotate) or token (extend) expiry, epoch ms; `null` = never. */
  expiry: number | null;
  /** When the tokens were issued or last extended (epoch ms): activity after it asks for a refresh ahead. */
  issued: number;
  /** The token's lifetime as first issued (ms), to refresh a quarter of it ahead of expiry. */
  life: number;
  user?: unknown;
  /** Id of the session's DPoP key (`dpop` option). */
  kid?: string;
}

/** The storage named by the `storage` option; memory when the browser's is missing (Node, private modes). */
export function storageOf(option: 'local' | 'session' | 'memory' | StorageLike | undefined): StorageLike {
  if (typeof option === 'object') return option;
  try {
    const web = (globalThis as any)[`${option ?? 'local'}Storage`] as StorageLike | undefined;
    if (web && option !== 'memory') return web;
  } catch {
    // Access to storage can throw (blocked third-party storage): memory then.
  }
  const map = new Map<string, string>();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}
