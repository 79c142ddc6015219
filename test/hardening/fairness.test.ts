import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestIndex } from '../support/test-index.js';
import { bbcSample, openApp } from './helpers.js';

/**
 * A busy server stays fair: many clients connecting at once to a server that is already answering
 * all the time each get their first answer within about one round, not after many seconds. (Node
 * accepts one new connection per turn of its event loop; without the answer queue a turn lasts as
 * long as answering every connected client once.)
 */

const CLIENTS = 40;
const SECONDS = 4;

let server: ServerType;
let port: number;
let questions: string[];

beforeAll(async () => {
  const corpus = await bbcSample(300);
  const { indexDirectory } = await buildTestIndex(corpus);
  const { app, engine } = await openApp({ indexDirectory, access: { rateLimit: 0 } });
  questions = (await engine.store.listSources())
    .slice(0, 50)
    .map((source) => `What do we know about ${source.title}?`);
  server = await new Promise<ServerType>((resolve) => {
    const instance = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(instance));
  });
  port = (server.address() as AddressInfo).port;
}, 120_000);

afterAll(async () => {
  (server as http.Server).closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** One keep-alive connection asking question after question until `until`; returns its latencies. */
async function client(
  index: number,
  until: number,
): Promise<{ first: number; latencies: number[]; failures: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  let first = Number.POSITIVE_INFINITY;
  for (let count = 0; performance.now() < until; count += 1) {
    const body = JSON.stringify({ question: questions[(index + count) % questions.length] });
    const sent = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/ask',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    if (status !== 200) failures += 1;
    latencies.push(performance.now() - sent);
    if (first === Number.POSITIVE_INFINITY) first = performance.now() - started;
  }
  agent.destroy();
  return { first, latencies, failures };
}

describe('under load', () => {
  it(`${CLIENTS} clients connecting at once to a busy server each get answered within about a round`, async () => {
    const until = performance.now() + SECONDS * 1000;
    // Make the server busy first, then let the rest connect all at once.
    const early = Array.from({ length: 10 }, (_, index) => client(index, until));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const late = Array.from({ length: CLIENTS - 10 }, (_, index) => client(index + 10, until));
    const results = await Promise.all([...early, ...late]);
    const firsts = results.map((result) => result.first);
    const all = results.flatMap((result) => result.latencies).sort((a, b) => a - b);
    const worst = all[all.length - 1]!;
    const p50 = all[Math.floor(all.length / 2)]!;
    expect(results.reduce((sum, result) => sum + result.failures, 0)).toBe(0);
    expect(firsts.every(Number.isFinite)).toBe(true);
    // Without the queue the last of the late clients waits for ~30 turns of ever longer rounds.
    expect(
      Math.max(...firsts),
      `first answers ${firsts.map(Math.round).join(', ')}; p50 ${Math.round(p50)} ms`,
    ).toBeLessThan(Math.max(1500, p50 * 5));
    expect(worst, `p50 ${Math.round(p50)} ms, worst ${Math.round(worst)} ms`).toBeLessThan(
      Math.max(1500, p50 * 5),
    );
  }, 60_000);
});
