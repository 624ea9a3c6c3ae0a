import { bearer, LoginBody, TestApp } from '../support/test-app';

/** Rotate mode with short lifetimes, so one scenario walks every purge rule. */
export const PURGE_OPTIONS = { ttl: 600, refreshTtl: 3600, reuseGrace: 10 };
/** Revoked rows are kept this long (seconds) in the scenario's purge. */
export const KEEP_REVOKED = 1800;
/** The scenario takes this long on the test clock (seconds). */
export const SCENARIO_SECONDS = 5600;

export interface PurgeScenario {
  /** What one purge at the end of the scenario must delete. */
  expected: { expired: number; revoked: number; spent: number };
  /** Rows that must survive it. */
  remaining: number;
  /** Live family, rotated twice: its access token works; its first refresh token is spent. */
  live: { token: string; spentRefresh: string };
  /** Live family whose spent refresh token is past its own expiry (reuse detection still needs it). */
  longLived: { spentRefresh: string; refreshToken: string };
  /** A family that ended by expiry: its last refresh token is deleted, so it becomes "unknown". */
  ended: { refreshToken: string };
}

/**
 * Builds, through HTTP, families in every state the purge distinguishes. Times are seconds after
 * the start (T0); the purge runs at T0+5600 with revoked rows kept 1800 s.
 */
export async function buildPurgeScenario(t: TestApp, username: string): Promise<PurgeScenario> {
  const login = () => t.login(username);
  const refresh = async (refreshToken?: string): Promise<LoginBody> => {
    const response = await t.http().post('/auth/refresh').send({ refreshToken });
    if (response.status !== 200) throw new Error(`refresh failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const logout = async (token: string) => expect((await t.http().post('/auth/logout').set('Authorization', bearer(token))).status).toBe(204);

  // T0. "ended": 4 rows, all dead at the end (3 expired, 1 spent in a dead family).
  const ended = await refresh((await login()).refreshToken);
  // "oldLogout": 2 rows revoked at T0 and expired by the end: counted as expired.
  await logout((await login()).token);
  // "longLived": its first pair, rotated at T0+3000.
  const longFirst = await login();
  t.clock.advance(3000);
  const longLived = await refresh(longFirst.refreshToken);
  t.clock.advance(700);
  // T0+3700. "revokedOld": access token expired by the end, refresh token only revoked (1900 s ago).
  await logout((await login()).token);
  // "live": rotated at T0+4400 and T0+5100; its first two access tokens have expired by the end.
  const liveFirst = await login();
  t.clock.advance(700);
  const liveSecond = await refresh(liveFirst.refreshToken);
  t.clock.advance(700);
  const liveThird = await refresh(liveSecond.refreshToken);
  t.clock.advance(500);
  // T0+5600. "revokedNew": revoked just now, kept.
  await logout((await login()).token);

  return {
    // expired: ended 3, oldLogout 2, revokedOld 1, live 2, longLived 2. revoked: revokedOld's refresh. spent: ended's first refresh.
    expected: { expired: 10, revoked: 1, spent: 1 },
    // live: 2 spent + its current pair; longLived: spent + current refresh; revokedNew: 2.
    remaining: 8,
    live: { token: liveThird.token, spentRefresh: liveFirst.refreshToken! },
    longLived: { spentRefresh: longFirst.refreshToken!, refreshToken: longLived.refreshToken! },
    ended: { refreshToken: ended.refreshToken! },
  };
}

/** Rows left in the table, by state. */
export async function rowsLeft(t: TestApp, table: string): Promise<{ total: number; spent: number; revoked: number }> {
  const [row] = await t.dataSource.query(
    `SELECT COUNT(*) AS total, SUM(CASE WHEN spent_at IS NOT NULL THEN 1 ELSE 0 END) AS spent, SUM(CASE WHEN revoked_at IS NOT NULL THEN 1 ELSE 0 END) AS revoked FROM ${table}`,
  );
  return { total: Number(row.total), spent: Number(row.spent ?? 0), revoked: Number(row.revoked ?? 0) };
}
