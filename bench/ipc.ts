import { ChildProcess, fork } from 'node:child_process';

type Handler = (args: any) => unknown;

interface Request {
  id: number;
  command: string;
  args: unknown;
}

interface Reply {
  id?: number;
  ready?: unknown;
  result?: unknown;
  error?: string;
}

/** A forked bench process driven by request/reply messages over the IPC channel. */
export class BenchChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  private exited: Error | null = null;

  private constructor(private readonly child: ChildProcess, readonly name: string) {
    child.on('message', (reply: Reply) => {
      if (reply.id === undefined) return;
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiter?.reject(new Error(`${name}: ${reply.error}`));
      else waiter?.resolve(reply.result);
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`${name} exited (${signal ?? code})`);
      for (const waiter of this.pending.values()) waiter.reject(this.exited);
      this.pending.clear();
    });
  }

  /** Forks `script` and waits for its `ready` message (whose payload it returns). */
  static async start<T>(name: string, script: string, env: NodeJS.ProcessEnv, execArgv: string[] = []): Promise<{ child: BenchChild; ready: T }> {
    const process_ = fork(script, [], { env, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const child = new BenchChild(process_, name);
    const ready = await new Promise<T>((resolve, reject) => {
      const onMessage = (reply: Reply) => {
        if (reply.ready === undefined) return;
        process_.off('message', onMessage);
        resolve(reply.ready as T);
      };
      process_.on('message', onMessage);
      process_.once('exit', (code) => reject(new Error(`${name} exited during start-up (code ${code})`)));
    });
    return { child, ready };
  }

  /** The process id (for its resident set size). */
  get pid(): number {
    return this.child.pid as number;
  }

  call<T = unknown>(command: string, args?: unknown): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, command, args } satisfies Request);
    });
  }

  /** Asks the child to close, then makes sure it is gone. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.call('close').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

/** Child side: answers requests with `handlers`, announces `ready`, exits when the parent goes away. */
export function serveCommands(handlers: Record<string, Handler>, ready: unknown): void {
  const send = (reply: Reply) => process.send?.(reply);
  process.on('message', async ({ id, command, args }: Request) => {
    try {
      const handler = handlers[command];
      if (!handler) throw new Error(`unknown command "${command}"`);
      send({ id, result: (await handler(args)) ?? null });
    } catch (error) {
      send({ id, error: (error as Error)?.stack ?? String(error) });
    }
  });
  // An orphaned server would keep its port and database open.
  process.on('disconnect', () => process.exit(0));
  send({ ready });
}
