import { SetMetadata } from '@nestjs/common';
import { IS_PUBLIC_KEY } from '../token-auth.constants';

/** Opens a route (or controller) when `TokenAuthGuard` is installed globally. */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
