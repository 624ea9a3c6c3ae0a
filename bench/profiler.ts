import { writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/**
 * CPU profiles of measured windows only (BENCH_CPU_PROF=<dir>): `--cpu-prof` would also record
 * start-up and seeding, which dwarf a few seconds of requests.
 */
export class WindowProfiler {
  private session: Session | null = null;

  constructor(private readonly dir: string) {}

  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.start');
  }

  /** Stops and writes `<dir>/<name>.cpuprofile` (open it in Chrome DevTools or speedscope). */
  async stop(name: string): Promise<string> {
    const { profile } = (await this.post('Profiler.stop')) as { profile: unknown };
    this.session?.disconnect();
    this.session = null;
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  }

  private post(method: string): Promise<unknown> {
    return new Promise((resolve, reject) => this.session?.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  }
}
