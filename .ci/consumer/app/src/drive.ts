import { userFlow } from './flow.js';

/** `node dist/src/drive.js <baseUrl>`: runs the user flow against the running app, one line per step. */
async function drive(base: string | undefined): Promise<void> {
  if (!base) throw new Error('usage: node drive.js <baseUrl>');
  const steps = await userFlow(base).catch((error: Error) => [{ name: 'user flow', ok: false, detail: error.stack ?? error.message }]);
  for (const s of steps) console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name}${s.ok ? '' : `: ${s.detail}`}`);
  const failed = steps.filter((s) => !s.ok).length;
  console.log(`${steps.length - failed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && steps.length > 0 ? 0 : 1;
}

void drive(process.argv[2]);
