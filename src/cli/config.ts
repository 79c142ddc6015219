import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FootnoteError } from '../errors.js';

/** Footnote's own folder (where package.json is), whatever the working directory. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** True for a TCP port number (0 = any free port). */
export function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 65_535;
}

/** True for a number of server processes: a whole number from 1 to 256. */
export function isWorkerCount(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 256;
}

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
  /** Server processes `footnote serve` runs on one port (FOOTNOTE_WORKERS); undefined = chosen from cores and memory. */
  workers: number | undefined;
  /** The `llm` generator's endpoint (FOOTNOTE_LLM_BASE_URL, _MODEL, _API_KEY, _TIMEOUT_MS). */
  llm: {
    baseUrl: string | undefined;
    model: string | undefined;
    apiKey: string | undefined;
    timeoutMs: number | undefined;
  };
  generator: string;
}

/**
 * The composition root's only window on `process.env`. Every variable is checked here, before
 * any work starts: a bad value is a user error (one line, exit 1) naming the variable, the value
 * and what it should be.
 */
export function readEnvironment(environment: NodeJS.ProcessEnv = process.env): EnvironmentConfig {
  const invalid = (name: string, expected: string) =>
    new FootnoteError('invalid_request', `${name} must be ${expected} (got "${environment[name]}")`);
  const number = (
    name: string,
    expected: string,
    valid: (value: number) => boolean = () => true,
  ): number | undefined => {
    const value = environment[name];
    if (value === undefined || value.trim() === '') return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || !valid(parsed)) throw invalid(name, expected);
    return parsed;
  };
  const rateLimit = number(
    'FOOTNOTE_RATE_LIMIT',
    'a whole number of requests per minute, 0 for no limit',
    (value) => Number.isInteger(value) && value >= 0,
  );
  const requestTimeoutMs = number(
    'FOOTNOTE_REQUEST_TIMEOUT_MS',
    'a positive number of milliseconds',
    (value) => value > 0,
  );
  const workers = number('FOOTNOTE_WORKERS', 'a whole number of workers from 1 to 256', isWorkerCount);
  const port = number('PORT', 'a port number from 0 to 65535', isPort);
  const groundingThreshold = number(
    'FOOTNOTE_GROUNDING_THRESHOLD',
    'a number of 0 or more (the default is 0.375)',
    (value) => value >= 0,
  );
  const llmTimeoutMs = number(
    'FOOTNOTE_LLM_TIMEOUT_MS',
    'a positive number of milliseconds',
    (value) => value > 0,
  );
  const generator = environment.FOOTNOTE_GENERATOR?.trim() || 'extractive';
  if (!['extractive', 'llm'].includes(generator)) throw invalid('FOOTNOTE_GENERATOR', 'extractive or llm');
  const allowRemote = (environment.FOOTNOTE_ALLOW_REMOTE_MODELS ?? '').trim().toLowerCase();
  if (!['', '0', 'false', 'no', 'off', '1', 'true', 'yes', 'on'].includes(allowRemote))
    throw invalid('FOOTNOTE_ALLOW_REMOTE_MODELS', '1 or 0 (true/false, yes/no, on/off)');
  return {
    corpusDirectory: environment.FOOTNOTE_CORPUS_DIR ?? 'corpus',
    indexDirectory: environment.FOOTNOTE_INDEX_DIR ?? '.footnote',
    store: environment.FOOTNOTE_STORE || undefined,
    embedder: environment.FOOTNOTE_EMBEDDER ?? 'auto',
    modelsDirectory: environment.FOOTNOTE_MODELS_DIR ?? 'models',
    cacheDirectory:
      environment.FOOTNOTE_CACHE_DIR ?? path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'footnote'),
    // A named transformers model may come from the hub when the hub answers (checked with a short timeout); 0 turns that off.
    allowRemoteModels: !['0', 'false', 'no', 'off'].includes(allowRemote),
    port: port ?? 8787,
    host: environment.FOOTNOTE_HOST ?? '127.0.0.1',
    groundingThreshold,
    apiKey: environment.FOOTNOTE_API_KEY || undefined,
    rateLimit,
    corsOrigins: (environment.FOOTNOTE_CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0),
    requestTimeoutMs,
    workers,
    llm: {
      baseUrl: environment.FOOTNOTE_LLM_BASE_URL || undefined,
      model: environment.FOOTNOTE_LLM_MODEL || undefined,
      apiKey: environment.FOOTNOTE_LLM_API_KEY || undefined,
      timeoutMs: llmTimeoutMs,
    },
    generator,
  };
}
