import { Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TOKEN_AUTH_OPTIONS } from '../../token-auth.constants';
import { TokenAuthEvents } from '../../token-auth.events.service';
import { ResolvedTokenAuthOptions } from '../../token-auth.options';
import { LEGACY_TOKENS } from '../legacy-tokens';
import { KnoxExpiry } from './knox-expiry';
import { KnoxTable } from './knox-table';
import { KnoxTokenFormat } from './knox-token-format';
import { KnoxTokens } from './knox-tokens';

/** The legacy token source: knox tokens when `legacy.knox` is set, otherwise `null`. */
export function legacyTokensProvider(dataSource?: string): Provider {
  return {
    provide: LEGACY_TOKENS,
    useFactory: (o: ResolvedTokenAuthOptions, ds: DataSource, events: TokenAuthEvents) => {
      const knox = o.legacy.knox;
      if (!knox) return null;
      return new KnoxTokens(new KnoxTokenFormat(knox), new KnoxTable(ds, knox.table), new KnoxExpiry(knox), o.clock, events);
    },
    inject: [TOKEN_AUTH_OPTIONS, getDataSourceToken(dataSource), TokenAuthEvents],
  };
}
