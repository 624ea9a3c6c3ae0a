import { StorageLike } from './session-store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `task` while holding a lock every tab of the origin shares, so two tabs never spend the same
 * refresh token: the Web Locks API where present, else a lease in shared storage (written, then
 * read back after a pause: the last writer wins), else no lock (one tab, or storage no tab shares).
 */
export async function withTabLock<T>(name: string, storage: StorageLike, shared: boolean, task: () => Promise<T>): Promise<T> {
  const locks = (globalThis as any).navigator?.locks;
  if (locks) return locks.request(name, task);
  if (!shared) return task();
  const me = Math.random().toString(36).slice(2);
  const holder = () => JSON.parse(storage.getItem(name) ?? 'null') as { me: string; until: number } | null;
  for (;;) {
    const lease = holder();
    if (!lease || lease.until < Date.now()) {
      // A lease outlives a crashed tab by 10 s at most.
      storage.setItem(name, JSON.stringify({ me, until: Date.now() + 10_000 }));
      await sleep(25);
      if (holder()?.me === me) break;
    }
    await sleep(40 + Math.random() * 40);
  }
  try {
    return await task();
  } finally {
    if (holder()?.me === me) storage.removeItem(name);
  }
}

/**
 * Marks a refresh token as being spent by this tab, and returns how to take the mark back (the
 * refresh failed); `null` when another tab already marked it. The mark is a Web Lock held for a
 * minute: the browser keeps locks consistent across tabs at once, whereas a storage write reaches
 * other tabs a moment later. Without Web Locks there is no mark (`undefined`); the lease guards.
 */
export async function markSpent(name: string): Promise<(() => void) | null | undefined> {
  const locks = (globalThis as any).navigator?.locks;
  if (!locks) return undefined;
  const held = await locks.query();
  if ([...held.held, ...held.pending].some((lock: { name?: string }) => lock.name === name)) return null;
  let release = () => undefined as void;
  const done = new Promise<void>((resolve) => (release = resolve));
  // Granted before this returns, so a tab asking next sees it.
  await new Promise<void>((granted) => void locks.request(name, () => (granted(), Promise.race([done, sleep(60_000)]))));
  return release;
}
