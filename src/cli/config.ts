import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Footnote's own folder (where package.json is), whatever the working directory. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Settings read from the environment; command-line flags override them. */
export interface EnvironmentConfig {
  corpusDirectory: string;
  indexDirectory: string;
  /** `file` or a `postgres://…` URL (FOOTNOTE_STORE). */
  store: string | undefined;
  embedder: string;
  modelsDirectory: string;
  cacheDirectory: string;
  allowRemoteModels: boolean;
  port: number;
  host: string;
  groundingThreshold: number | undefined;
  apiKey: string | undefined;
  /** Requests per minute per client on the API; 0 = off (FOOTNOTE_RATE_LIMIT). */
  rateLimit: number | undefined;
  /** Origins allowed to call the API from a browser, comma-separated (FOOTNOTE_CORS_ORIGINS). */
  corsOrigins: string[];
  /** How long a request may take before it is answered 408 (FOOTNOTE_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number | undefined;
  /** The `llm` generator's endpoint (FOOTNOTE_LLM_BASE_URL, _MODEL, _API_KEY, _TIMEOUT_MS). */
  llm: {
    baseUrl: string | undefined;
    model: string | undefined;
    apiKey: string | undefined;
    timeoutMs: number | undefined;
  };
  generator: string;
}

/** The composition root's only window on `process.env`. */
export function readEnvironment(environment: NodeJS.ProcessEnv = process.env): EnvironmentConfig {
  const number = (name: string): number | undefined => {
    const value = environment[name];
    if (value === undefined || value.trim() === '') return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw new Error(`${name} must be a number (got "${value}")`);
    return parsed;
  };
  const rateLimit = number('FOOTNOTE_RATE_LIMIT');
  if (rateLimit !== undefined && (rateLimit < 0 || !Number.isInteger(rateLimit)))
    throw new Error(
      `FOOTNOTE_RATE_LIMIT must be a whole number of requests per minute, 0 for no limit (got "${rateLimit}")`,
    );
  const requestTimeoutMs = number('FOOTNOTE_REQUEST_TIMEOUT_MS');
  if (requestTimeoutMs !== undefined && requestTimeoutMs <= 0)
    throw new Error(
      `FOOTNOTE_REQUEST_TIMEOUT_MS must be a positive number of milliseconds (got "${requestTimeoutMs}")`,
    );
  return {
    corpusDirectory: environment.FOOTNOTE_CORPUS_DIR ?? 'corpus',
    indexDirectory: environment.FOOTNOTE_INDEX_DIR ?? '.footnote',
    store: environment.FOOTNOTE_STORE || undefined,
    embedder: environment.FOOTNOTE_EMBEDDER ?? 'auto',
    modelsDirectory: environment.FOOTNOTE_MODELS_DIR ?? 'models',
    cacheDirectory:
      environment.FOOTNOTE_CACHE_DIR ?? path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'footnote'),
    // A named transformers model may come from the hub when the hub answers (checked with a short timeout); 0 turns that off.
    allowRemoteModels: !['0', 'false', 'no', 'off'].includes(
      (environment.FOOTNOTE_ALLOW_REMOTE_MODELS ?? '').toLowerCase(),
    ),
    port: number('PORT') ?? 8787,
    host: environment.FOOTNOTE_HOST ?? '127.0.0.1',
    groundingThreshold: number('FOOTNOTE_GROUNDING_THRESHOLD'),
    apiKey: environment.FOOTNOTE_API_KEY || undefined,
    rateLimit,
    corsOrigins: (environment.FOOTNOTE_CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0),
    requestTimeoutMs,
    llm: {
      baseUrl: environment.FOOTNOTE_LLM_BASE_URL || undefined,
      model: environment.FOOTNOTE_LLM_MODEL || undefined,
      apiKey: environment.FOOTNOTE_LLM_API_KEY || undefined,
      timeoutMs: number('FOOTNOTE_LLM_TIMEOUT_MS'),
    },
    generator: environment.FOOTNOTE_GENERATOR ?? 'extractive',
  };
}
