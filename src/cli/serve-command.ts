import cluster from 'node:cluster';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { FootnoteError } from '../errors.js';
import { corpusRootOf } from '../ingest/index.js';
import {
  ClusterRateLimitStore,
  createApp,
  type EngineHolder,
  listenError,
  mountChatPage,
  mountOpenAiRoutes,
  reportReady,
  runCluster,
  startServer,
} from '../server/index.js';
import { type EnvironmentConfig, PACKAGE_ROOT } from './config.js';
import { portOption, withGeneratorOption, withIndexOptions, workersOption } from './options.js';
import { createRuntime, generatorFactory, openEngine, type Runtime, runIngest } from './runtime.js';

/** The flags of `footnote serve`. */
interface ServeFlags {
  corpus?: string;
  port?: number;
  host?: string;
  ingest: boolean;
  indexDir?: string;
  embedder?: string;
  generator?: string;
  workers?: number;
}

/** `footnote serve`: ingests if needed, then serves the API, the chat page and the OpenAI-compatible routes. */
export function serveCommand(config: () => EnvironmentConfig): Command {
  return withGeneratorOption(withIndexOptions(new Command('serve')))
    .description(
      'Serve the chat page and the HTTP API; ingests the corpus first if the index is missing or stale',
    )
    .option('--corpus <dir>', 'corpus folder (env FOOTNOTE_CORPUS_DIR, default corpus/)')
    .option('--port <port>', 'port, 0 for any free one (env PORT, default 8787)', portOption)
    .option('--host <host>', 'address to listen on (env FOOTNOTE_HOST, default 127.0.0.1)')
    .option(
      '--workers <n>',
      'server processes sharing the port (env FOOTNOTE_WORKERS, default one per core, fewer when memory is short)',
      workersOption,
    )
    .option('--no-ingest', 'serve the existing index as it is')
    .action(async (flags: ServeFlags) => {
      const environment = config();
      const settings = flags.generator ? { ...environment, generator: flags.generator } : environment;
      const port = flags.port ?? environment.port;
      const host = flags.host ?? environment.host;
      if (cluster.isWorker) {
        // The primary checked the flags and the port; this process is one of its workers.
        const id = cluster.worker?.id ?? 0;
        const runtime = createRuntime(settings, flags, (line) =>
          process.stderr.write(`[worker ${id}] ${line}\n`),
        );
        await serveOne(runtime, flags, { port, host, worker: id });
        return;
      }
      const runtime = createRuntime(settings, flags);
      // A bad LLM configuration or a busy port stops start-up here, before a long ingest.
      await generatorFactory(runtime, {});
      await checkPortFree(port, host);
      if (!environment.apiKey && !['127.0.0.1', 'localhost', '::1'].includes(host)) {
        runtime.notice(
          `warning: listening on ${host} without FOOTNOTE_API_KEY; anyone who can reach this port can ask questions and re-ingest`,
        );
      }
      const workers = flags.workers ?? environment.workers;
      const cores = os.availableParallelism();
      if (workers === 1 || (workers === undefined && cores === 1)) {
        await serveOne(runtime, flags, { port, host });
        return;
      }
      await runCluster({ workers, cores, log: runtime.notice });
    });
}

/**
 * Serves the app in this process: ingests first when asked (in a cluster, only the first
 * worker does), loads the index, listens. A cluster worker shares the primary's rate-limit
 * counters, names itself in `X-Footnote-Worker`, and reports to the primary instead of printing
 * the start-up line.
 */
async function serveOne(
  runtime: Runtime,
  flags: ServeFlags,
  where: { port: number; host: string; worker?: number },
): Promise<void> {
  const environment = runtime.config;
  const holder: EngineHolder = {};
  // The corpus this server answers from; a generation built from another one is refused.
  const corpusRoot =
    flags.ingest || flags.corpus !== undefined ? await corpusRootOf(runtime.corpusDirectory) : undefined;
  if (flags.ingest && (where.worker === undefined || where.worker === 1)) {
    try {
      await runIngest(runtime, {});
    } catch (error) {
      if (!(error instanceof FootnoteError)) throw error;
      runtime.notice(`warning: ingest failed: ${error.message}`);
    }
  }
  await loadInto(holder, runtime, corpusRoot);
  const app = createApp({
    holder,
    extend: (routes) => {
      mountChatPage(routes, { directory: path.join(PACKAGE_ROOT, 'dist', 'page') });
      mountOpenAiRoutes(routes, { holder, log: (line) => runtime.notice(line) });
    },
    access: {
      apiKey: environment.apiKey,
      corsOrigins: environment.corsOrigins,
      ...(environment.rateLimit === undefined ? {} : { rateLimit: environment.rateLimit }),
      ...(environment.requestTimeoutMs === undefined
        ? {}
        : { requestTimeoutMs: environment.requestTimeoutMs }),
      ...(where.worker === undefined ? {} : { rateLimitStore: new ClusterRateLimitStore() }),
    },
    ...(where.worker === undefined ? {} : { headers: { 'X-Footnote-Worker': String(where.worker) } }),
    reingest: async () => {
      const report = await runIngest(runtime, { quiet: true });
      await loadInto(holder, runtime, corpusRoot);
      return report;
    },
  });
  // Other servers' (and other workers') ingests are picked up when the current-generation pointer changes.
  const stopWatching = holder.engine?.watch() ?? (() => {});
  const { url } = await startServer(app, {
    port: where.port,
    host: where.host,
    onClose: stopWatching,
    log: runtime.notice,
  });
  const engine = holder.engine;
  const summary = engine
    ? `Footnote is serving ${url} (${engine.store.manifest.counts.sources} files from ${engine.corpusRoot}, ${engine.store.manifest.counts.chunks} chunks, ${engine.embedderId}, ${engine.generatorId} answers); index ${runtime.indexDirectory}`
    : `Footnote is serving ${url} without an index: ${holder.error?.message ?? 'unknown error'}`;
  if (where.worker === undefined) runtime.notice(summary);
  else reportReady({ url, summary, rss: process.memoryUsage().rss });
}

/** Fails with one line when `port` cannot be listened on (in use, not allowed, unknown host). */
async function checkPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  }).catch((error: NodeJS.ErrnoException) => {
    throw listenError(error, port, host);
  });
}

async function loadInto(
  holder: EngineHolder,
  runtime: Runtime,
  corpusRoot: string | undefined,
): Promise<void> {
  try {
    const current = holder.engine;
    if (current) {
      // A refused generation is logged by the engine's onReload and shown in /api/health.
      await current.reload().catch(() => {});
    } else {
      holder.engine = await openEngine(runtime, {}, undefined, {
        ...(corpusRoot === undefined ? {} : { corpusRoot }),
        onReload: ({ generation, error }) => {
          if (!error) runtime.notice(`reloaded the index: now serving ${generation}`);
          else {
            runtime.notice(
              `warning: refused index generation ${generation}, still serving ${holder.engine?.generation}: ${error.message}`,
            );
            if (!error.isUserError && error.cause instanceof Error) runtime.notice(error.cause.stack ?? '');
          }
        },
      });
      // Served as it is (--no-ingest, no --corpus): re-ingest updates the corpus the index was built from.
      if (corpusRoot === undefined) runtime.corpusDirectory = holder.engine.corpusRoot;
    }
    delete holder.error;
  } catch (error) {
    if (!(error instanceof FootnoteError)) throw error;
    holder.error = error;
    runtime.notice(`warning: ${error.message}`);
  }
}
