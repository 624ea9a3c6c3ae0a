import { NestExpressApplication } from '@nestjs/platform-express';
import { join } from 'node:path';
import { SampleConfig } from './config';

/** The page and its script may load only from this origin and talk only to it. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/**
 * Serves the demo page at `/` (sample-app/public), the browser client at `/client/index.mjs`
 * (dist/client, built by `npm run build:client`) and the settings the page needs at `/page-config.json`
 * (mode, cookie transport, whether DPoP is on: then the page's client signs proofs).
 */
export function servePage(app: NestExpressApplication, config: SampleConfig): void {
  const headers = (response: { setHeader(name: string, value: string): void }) => {
    response.setHeader('Content-Security-Policy', CSP);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Cache-Control', 'no-cache');
  };
  // The repository root, from the sources (sample-app/) and from the build (dist/sample-app/) alike.
  const root = __dirname.endsWith(join('dist', 'sample-app')) ? join(__dirname, '..', '..') : join(__dirname, '..');
  app.useStaticAssets(join(root, 'sample-app', 'public'), { index: 'index.html', setHeaders: headers });
  app.useStaticAssets(join(root, 'dist', 'client'), { prefix: '/client/', setHeaders: headers });
  // The client signs DPoP proofs in every combination but extend mode with the cookie, whose token cannot be sent as DPoP.
  const dpop = config.dpop !== 'off' && !(config.cookie && config.mode === 'extend');
  app.getHttpAdapter().get('/page-config.json', (_request: unknown, response: unknown) => {
    app.getHttpAdapter().reply(response, { mode: config.mode, cookies: config.cookie, dpop }, 200);
  });
}
