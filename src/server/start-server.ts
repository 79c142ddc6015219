import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { FootnoteError } from '../errors.js';

/** Where `startServer` listens. */
export interface StartServerOptions {
  port: number;
  /** @default '127.0.0.1' */
  host: string;
  /** How long in-flight requests may run after SIGTERM before the process exits anyway. @default 10000 */
  shutdownGraceMs: number;
  /** Runs once the server has stopped (stop watching the index…). @default none */
  onClose?: () => void;
  log: (line: string) => void;
}

/**
 * A listen failure the operator can fix (port in use, a privileged port, an address this machine
 * does not have) as a one-line user error; anything else is returned unchanged.
 */
export function listenError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  const where = `${host}:${port}`;
  if (error.code === 'EADDRINUSE')
    return new FootnoteError(
      'invalid_request',
      `port ${port} on ${host} is already in use; stop the other server or pick another port with --port (or PORT)`,
    );
  if (error.code === 'EACCES')
    return new FootnoteError(
      'invalid_request',
      `not allowed to listen on ${where} (ports below 1024 need privileges); pick another port with --port`,
    );
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
    return new FootnoteError(
      'invalid_request',
      `cannot listen on ${where}: this machine has no such address; pass an address it has with --host (or FOOTNOTE_HOST), e.g. 127.0.0.1`,
    );
  return error;
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
    instance.once('error', (error: NodeJS.ErrnoException) =>
      reject(listenError(error, settings.port, settings.host)),
    );
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
