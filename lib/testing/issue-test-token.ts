import { INestApplicationContext } from '@nestjs/common';
import { TokenAuthService } from '../token-auth.service';

/** A real token minted for a test, with the header that presents it. */
export interface TestToken {
  /** `Bearer <token>`, for `.set('Authorization', ...)`. */
  authorization: string;
  token: string;
  /** Rotate mode: the refresh token. */
  refreshToken?: string;
  sessionId: string;
  /** The scopes granted: those asked for that the user provider's `allowedScopes` allows. */
  scopes: string[];
}

/**
 * Logs `user` in through the running app's `TokenAuthService`, exactly as `POST /auth/login` does
 * after the password check (same scope grant, same token limit, same events), and returns the
 * real token. `scopes` asks for those scopes (default: all the user may have).
 */
export async function issueTestToken(app: Pick<INestApplicationContext, 'get'>, user: unknown, options: { scopes?: string[]; name?: string } = {}): Promise<TestToken> {
  const auth = app.get(TokenAuthService, { strict: false });
  const scopes = await auth.grantScopes(user, options.scopes ?? null);
  const result = await auth.login(user, { name: options.name ?? null, scopes });
  return {
    authorization: `Bearer ${result.token}`,
    token: result.token,
    ...(result.refreshToken !== undefined && { refreshToken: result.refreshToken }),
    sessionId: result.sessionId,
    scopes: result.scopes,
  };
}
