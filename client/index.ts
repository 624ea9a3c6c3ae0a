export { createTokenClient } from './token-client';
export type { LogoutReason, RefreshEvent, TokenClient, TokenClientError, TokenClientOptions } from './token-client.types';
export type { StorageLike } from './session-store';
export { createDpopKeys } from './dpop-key';
export type { DpopKeys } from './dpop-key';
export type { ErrorBody, InvalidGrantReason, InvalidTokenReason, SessionView } from '../lib/wire';
