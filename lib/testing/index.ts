/** A stand-in for `TokenAuthGuard`: `overrideGuard(TokenAuthGuard).useValue(fakeTokenAuthGuard(user, { scopes }))`. */
export { FakeTokenAuthGuard, fakeTokenAuthGuard, type FakeTokenOptions } from './fake-token-auth.guard';
/** Mints a real token for a user in a running test app. */
export { issueTestToken, type TestToken } from './issue-test-token';
/** TypeORM options for a private in-memory SQLite token database. */
export { inMemoryTokenDatabase, type InMemoryTokenDatabaseOptions } from './test-database';
