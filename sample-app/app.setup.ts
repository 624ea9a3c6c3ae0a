import { NestExpressApplication } from '@nestjs/platform-express';
import { ClientErrorFilter } from './client-error.filter';
import { SampleConfig } from './config';
import { setupDocs } from './docs';
import { servePage } from './static';

/** What main.ts does to the app between creating it and listening (tests call it too). */
export function configureApp(app: NestExpressApplication, config: SampleConfig): void {
  // No free advertising of the framework to scanners.
  app.disable('x-powered-by');
  if (config.trustProxy > 0) app.set('trust proxy', config.trustProxy);
  app.useGlobalFilters(new ClientErrorFilter(app.getHttpAdapter()));
  if (config.docs) setupDocs(app);
  servePage(app, config);
}
