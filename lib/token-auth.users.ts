/**
 * What the module needs from the host's users: the host owns its users table, the module only asks.
 * Implement it in a provider of the host app and pass the class (or an instance) as `users`.
 */
export interface TokenAuthUserProvider<User = unknown> {
  /** The user a token belongs to, or `null` when it no longer exists (its tokens then stop working). */
  findById(id: string): Promise<User | null> | User | null;
  /** The user for these credentials, or `null` when they are wrong. */
  verifyCredentials(username: string, password: string): Promise<User | null> | User | null;
  /** The user's id as stored with its tokens. Default `String(user.id)`. */
  getId?(user: User): string;
  /** What login returns as `user`. Default `{ id }`. */
  serialize?(user: User): Record<string, unknown>;
  /** Scopes this user's tokens may carry. Without it, tokens carry no scopes. */
  allowedScopes?(user: User): Promise<string[]> | string[];
}

/** Reads a user's id through the provider, falling back to `user.id`. */
export function userIdOf(provider: TokenAuthUserProvider, user: unknown): string {
  return provider.getId ? provider.getId(user) : String((user as { id?: unknown } | null)?.id);
}
