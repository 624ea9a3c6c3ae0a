import { ConfigurableModuleBuilder } from '@nestjs/common';
import { TokenAuthModuleOptions } from './token-auth.options';
import { DEFAULT_TOKEN_TABLE } from './storage/token.entity';
import { ROUTE_PREFIX } from './wire';

/** Options fixed when the module is declared (they shape routes and entities, so they cannot come from a factory). */
export interface TokenAuthModuleExtras {
  /** Make the module's exports visible app-wide. Default `false`. */
  isGlobal?: boolean;
  /** Route prefix of the auth controller, or `false` to mount no routes. Default `'auth'`. */
  routePrefix?: string | false;
  /** Name of the token table. Default `'auth_tokens'`. */
  tableName?: string;
  /** Name of the TypeORM data source holding the token table. Default the default data source. */
  dataSource?: string;
  /** Install `TokenAuthGuard` as a global guard (opt out per route with `@Public()`). Default `false`. */
  globalGuard?: boolean;
  /**
   * Register the Passport strategy `TOKEN_AUTH_STRATEGY` (needs `@nestjs/passport` and `passport-custom`).
   * `false` loads neither package; `TokenAuthGuard` works without them. Default `true`.
   */
  passportStrategy?: boolean;
}

export const DEFAULT_EXTRAS: Required<Omit<TokenAuthModuleExtras, 'dataSource'>> & { dataSource?: string } = {
  isGlobal: false,
  routePrefix: ROUTE_PREFIX,
  tableName: DEFAULT_TOKEN_TABLE,
  dataSource: undefined,
  globalGuard: false,
  passportStrategy: true,
};

export const {
  ConfigurableModuleClass: ConfigurableTokenAuthModule,
  MODULE_OPTIONS_TOKEN: TOKEN_AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE: TOKEN_AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: TOKEN_AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TokenAuthModuleOptions>({ moduleName: 'TokenAuth' })
  .setClassMethodName('forRoot')
  .setExtras<TokenAuthModuleExtras>(DEFAULT_EXTRAS, (definition) => definition)
  .build();
