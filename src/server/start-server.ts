import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface StartServerOptions {
  port: number;
  /** @default '127.0.0.1' */
  host: string;
  /** How long in-flight requests may run after SIGTERM before the process exits anyway. @default 10000 */
  shutdownGraceMs: number;
  /** Runs once the server has stopped (stop watching the index…). */
  onClose?: () => void;
  log: (line: string) => void;
}

/**
 * Serves the app on Node's HTTP server and stops gracefully on SIGTERM/SIGINT: no new
 * connections, in-flight requests finish (bounded by `shutdownGraceMs`), then exit 0.
 */
export async function startServer(
  app: Hono,
  options: Partial<StartServerOptions> & Pick<StartServerOptions, 'port'>,
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const settings: StartServerOptions = {
    host: '127.0.0.1',
    shutdownGraceMs: 10_000,
    log: (line) => console.error(line),
    ...options,
  };
  const server = await new Promise<Server>((resolve, reject) => {
    const instance = serve({ fetch: app.fetch, port: settings.port, hostname: settings.host }, () =>
      resolve(instance as Server),
    );
    instance.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const url = `http://${settings.host === '0.0.0.0' || settings.host === '127.0.0.1' ? 'localhost' : settings.host}:${port}`;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, settings.shutdownGraceMs);
      timer.unref();
      // Keep-alive connections become idle once their last response is sent: close them then.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      sweep.unref();
      server.close(() => {
        clearTimeout(timer);
        clearInterval(sweep);
        resolve();
      });
      server.closeIdleConnections();
    }).then(() => settings.onClose?.()));
  const onSignal = (signal: string) => {
    settings.log(`${signal}: finishing in-flight requests, then stopping`);
    void close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  return { server, url, close };
}
