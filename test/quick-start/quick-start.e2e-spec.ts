import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { CapturingLogger } from '../support/test-app';
import { curlBlocks, curlRequest, expand, markedFiles, parseSession, section } from './readme-shell';

const ROOT = join(__dirname, '..', '..');
const SOURCES = 'examples/quick-start/src';
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const quickStart = section(readme, 'Quick start');

/**
 * The README's quick start, followed to the letter: its files are the example's files byte for byte,
 * and its shell session, parsed from the README, runs against the example app with the outputs shown.
 */
describe('the README quick start', () => {
  it('shows every file of examples/quick-start/src, each byte for byte', () => {
    const shown = markedFiles(quickStart);
    const files = readdirSync(join(ROOT, SOURCES)).sort();
    expect(shown.map((file) => file.path).sort()).toEqual(files.map((name) => `${SOURCES}/${name}`));
    for (const file of shown) expect({ path: file.path, content: file.content }).toEqual({ path: file.path, content: readFileSync(join(ROOT, file.path), 'utf8') });
    // Nothing outside the quick start may claim to be one of its files with other text.
    expect(markedFiles(readme).length).toBe(shown.length);
  });

  it('sends its curl lines to the port main.ts listens on', () => {
    const port = /app\.listen\((\d+)\)/.exec(readFileSync(join(ROOT, SOURCES, 'main.ts'), 'utf8'))?.[1];
    const blocks = curlBlocks(quickStart);
    expect(blocks.length).toBeGreaterThan(0);
    const urls = blocks.join('\n').match(/(?:https?:\/\/)?(?:localhost|127\.0\.0\.1):\d+/g) ?? [];
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url.endsWith(`:${port}`)).toBe(true);
  });

  describe('its session against the example app', () => {
    let app: INestApplication;
    let workdir: string;
    const cwd = process.cwd();
    const secretBefore = process.env.TOKEN_SECRET;

    beforeAll(async () => {
      // The app opens app.sqlite in the working directory, as it would in the reader's project.
      workdir = mkdtempSync(join(tmpdir(), 'nta-quick-start-'));
      process.chdir(workdir);
      process.env.TOKEN_SECRET = randomBytes(32).toString('base64url');
      // Imported only now: the module reads TOKEN_SECRET when its decorator runs. A computed path keeps the
      // example (whose 'nest-token-auth' import only Jest's moduleNameMapper resolves) out of the root tsc program.
      const { AppModule } = await import(join(ROOT, SOURCES, 'app.module'));
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      app = moduleRef.createNestApplication({ logger: new CapturingLogger() });
      await app.init();
    });

    afterAll(async () => {
      await app?.close();
      process.chdir(cwd);
      rmSync(workdir, { recursive: true, force: true });
      if (secretBefore === undefined) delete process.env.TOKEN_SECRET;
      else process.env.TOKEN_SECRET = secretBefore;
    });

    it('runs every curl line and prints what the README shows', async () => {
      const variables = new Map<string, string>();
      let requests = 0;
      for (const step of curlBlocks(quickStart).flatMap(parseSession)) {
        if (step.kind === 'set') {
          variables.set(step.name, expand(step.words[0], variables));
          continue;
        }
        const sent = curlRequest(step.words.map((word) => expand(word, variables)));
        const path = sent.url.replace(/^(?:https?:\/\/)?(?:localhost|127\.0\.0\.1):\d+/, '');
        let call = request(app.getHttpServer())[sent.method.toLowerCase() as 'get' | 'post' | 'delete'](path);
        for (const [name, value] of sent.headers) call = call.set(name, value);
        const response = await (sent.data === null ? call : call.send(sent.data));
        requests++;
        const output = response.text + (sent.writeStatus ? `${response.status}\n` : '');
        if (step.capture) {
          const value = JSON.parse(output)[step.capture.field];
          expect({ line: step.line, captured: typeof value }).toEqual({ line: step.line, captured: 'string' });
          variables.set(step.capture.name, value);
          continue;
        }
        expect({ line: step.line, shown: step.expected !== null }).toEqual({ line: step.line, shown: true });
        const printed = output.replace(/\n$/, '');
        if (!matches(step.expected as string, printed)) expect({ line: step.line, output: printed }).toEqual({ line: step.line, output: step.expected });
      }
      expect(requests).toBeGreaterThanOrEqual(4);
    });
  });
});

/**
 * Whether curl's output is what the README shows. JSON is compared value by value: a shown string
 * ending in "…" stands for any longer string with that start (a token), and a shown ISO time for any
 * ISO time; everything else must be equal, with the same keys.
 */
function matches(shown: string, actual: string): boolean {
  if (!/^[[{]/.test(shown)) return shown === actual;
  let value: unknown;
  try {
    value = JSON.parse(actual);
  } catch {
    return false;
  }
  return same(JSON.parse(shown), value);
}

function same(shown: unknown, actual: unknown): boolean {
  if (typeof shown === 'string' && shown.endsWith('…')) return typeof actual === 'string' && actual.startsWith(shown.slice(0, -1)) && actual.length > shown.length;
  if (typeof shown === 'string' && ISO_TIME.test(shown)) return typeof actual === 'string' && ISO_TIME.test(actual);
  if (Array.isArray(shown)) return Array.isArray(actual) && shown.length === actual.length && shown.every((item, i) => same(item, actual[i]));
  if (shown && typeof shown === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const keys = Object.keys(shown);
    return keys.length === Object.keys(actual).length && keys.every((key) => key in actual && same((shown as any)[key], (actual as any)[key]));
  }
  return shown === actual;
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
