import { createRequire } from 'node:module';
import type { ClientRateLimitInfo, HonoConfigType, Store } from 'hono-rate-limiter';
import type { RateLimiterCluster, RateLimiterRes } from 'rate-limiter-flexible';

/** rate-limiter-flexible, loaded in cluster mode only (a one-process server never needs it). */
function rateLimiterFlexible(): typeof import('rate-limiter-flexible') {
  return createRequire(import.meta.url)('rate-limiter-flexible') as typeof import('rate-limiter-flexible');
}

/**
 * The rate-limit counters of a `footnote serve --workers N` cluster, held once by the primary:
 * each worker asks it over the cluster's IPC channel (rate-limiter-flexible's cluster limiter),
 * so a client gets its limit once, whichever worker its connections land on. Call
 * `holdClusterRateLimits()` in the primary before forking; use this store in every worker.
 */
export class ClusterRateLimitStore implements Store {
  /** Counters live in the primary, shared by every worker. */
  readonly localKeys = false;
  private limiter: RateLimiterCluster | undefined;

  /**
   * @param timeoutMs How long a worker waits for the primary's answer before the request fails.
   *   @default 5000
   */
  constructor(private readonly timeoutMs = 5000) {}

  init(options: HonoConfigType): void {
    if (typeof options.limit !== 'number')
      throw new TypeError('the cluster rate-limit store needs a fixed number as its limit');
    this.limiter = new (rateLimiterFlexible().RateLimiterCluster)({
      keyPrefix: 'footnote',
      // No rejection of its own: hono-rate-limiter compares the count with the limit and answers 429.
      points: Number.MAX_SAFE_INTEGER,
      duration: options.windowMs / 1000,
      timeoutMs: this.timeoutMs,
    });
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    return info(await this.started().consume(key, 1));
  }

  async decrement(key: string): Promise<void> {
    await this.started().reward(key, 1);
  }

  async resetKey(key: string): Promise<void> {
    await this.started().delete(key);
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const counted = await this.started().get(key);
    return counted ? info(counted) : undefined;
  }

  private started(): RateLimiterCluster {
    if (!this.limiter) throw new Error('ClusterRateLimitStore used before init');
    return this.limiter;
  }
}

/** Makes this (primary) process hold the counters its workers' `ClusterRateLimitStore`s ask for. */
export function holdClusterRateLimits(): void {
  new (rateLimiterFlexible().RateLimiterClusterMaster)();
}

function info(counted: RateLimiterRes): ClientRateLimitInfo {
  return { totalHits: counted.consumedPoints, resetTime: new Date(Date.now() + counted.msBeforeNext) };
}
