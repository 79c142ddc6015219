import { FootnoteError } from '../errors.js';

/** One autocannon run against `POST /api/ask`. */
export interface ThroughputMeasure {
  connections: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/** Loads a running server with autocannon, `connections` at a time, the bodies in turn. */
export async function measureThroughput(
  url: string,
  connections: number,
  duration: number,
  bodies: string[],
): Promise<ThroughputMeasure> {
  let autocannon: typeof import('autocannon').default;
  try {
    autocannon = (await import('autocannon')).default;
  } catch {
    throw new FootnoteError(
      'invalid_request',
      'footnote bench needs the autocannon devDependency; run `npm install` (not `npm install --omit=dev`) in the Footnote folder',
    );
  }
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: bodies.map((body) => ({
      method: 'POST',
      path: '/api/ask',
      headers: { 'content-type': 'application/json' },
      body,
    })),
  });
  return {
    connections,
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
