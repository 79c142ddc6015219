import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** How to start `footnote serve` as a user would. */
export interface ServerCommand {
  /** Path of `bin/footnote.js`. */
  bin: string;
  /** Environment of the server process (rate limiting and the API key are turned off on top). */
  environment: NodeJS.ProcessEnv;
}

/** Which store a bench server reads and how many worker processes it runs. */
export interface ServeSetup {
  /** `file` (the index folder) or a `postgres://…` URL. @default 'file' */
  store: string;
  /** `--workers`; 1 is one process, as before workers existed. @default 1 */
  workers: number;
}

/**
 * Spawns `footnote serve --no-ingest` as a user would and resolves once `/api/health` answers
 * 200 (and, with several workers, once all of them serve), with the time from spawn. Rate
 * limiting and the API key are turned off so the bench measures the server, not its guard.
 */
export async function startServerProcess(
  command: ServerCommand,
  indexDirectory: string,
  port: number,
  environment: Record<string, string> = {},
  setup: Partial<ServeSetup> = {},
): Promise<{ child: ChildProcess; ms: number }> {
  const { store = 'file', workers = 1 } = setup;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      command.bin,
      'serve',
      '--no-ingest',
      '--index-dir',
      indexDirectory,
      '--embedder',
      'glove',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--store',
      store,
      '--workers',
      String(workers),
    ],
    {
      env: { ...command.environment, FOOTNOTE_RATE_LIMIT: '0', FOOTNOTE_API_KEY: '', ...environment },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  // The primary says how many workers serve once every one of them is listening.
  let allServing = workers === 1;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    if (/workers on one port/.test(stderr)) allServing = true;
  });
  const deadline = started + 120_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`footnote serve exited with code ${child.exitCode} before it was healthy:\n${stderr}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/health`);
      await response.arrayBuffer();
      if (response.status === 200 && allServing) return { child, ms: performance.now() - started };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await stopProcess(child);
  throw new Error(`footnote serve was not healthy after 120 s:\n${stderr}`);
}

/** Stops a server process with SIGTERM (SIGKILL after 15 s) and waits for it to exit. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
