import { Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PgliteServer, startPgliteServer } from '../support/pglite-server.js';

/**
 * A pg stream that sends every protocol message in its own TCP segment, `gapMs` apart, as a
 * loaded client machine may: legal, and harmless on a real Postgres server. On pglite-socket's
 * own queue it lets another connection's messages run inside this one's Parse..Sync group.
 */
function splitWrites(gapMs: number): () => Socket {
  return () => {
    const socket = new Socket();
    // net.Socket#connect resets an own `write`, so wrap it once connected (before pg writes).
    socket.once('connect', () => {
      const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
      let previous = Promise.resolve();
      socket.write = ((...args: unknown[]) => {
        previous = previous.then(
          () => new Promise<void>((resolve) => setTimeout(() => resolve(void write(...args)), gapMs)),
        );
        return true;
      }) as Socket['write'];
    });
    return socket;
  };
}

/** Client `who` sums `who + 1` parameters, so each client's Bind fits only its own statement. */
async function sumQueries(url: string, who: number, count: number) {
  const client = new pg.Client({ connectionString: url, stream: splitWrites(1) });
  const failures: string[] = [];
  client.on('error', (error) => failures.push(`connection: ${error.message}`));
  await client.connect();
  const values = Array.from({ length: who + 1 }, (_, k) => who * 100 + k);
  const text = `SELECT ${values.map((_, k) => `$${k + 1}::int`).join(' + ')} AS sum, ${who} AS who`;
  const expected = { sum: values.reduce((a, b) => a + b, 0), who };
  for (let i = 0; i < count && failures.length === 0; i++) {
    try {
      const { rows } = await client.query(text, values);
      if (rows[0]?.sum !== expected.sum || rows[0]?.who !== who)
        failures.push(`client ${who} got ${JSON.stringify(rows)}`);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  await client.end().catch(() => {});
  return failures;
}

let server: PgliteServer;
beforeAll(async () => {
  server = await startPgliteServer({ extensions: [] });
}, 120_000);
afterAll(async () => {
  await server?.close();
});

// Without ExclusiveSessionQueue (pglite-socket's own server) this load failed within seconds:
// "bind message supplies 3 parameters, but prepared statement "" requires 2", "portal "" does not
// exist", and sums of another client's parameters.
it("keeps each connection's extended-protocol groups whole on PGlite's one session", async () => {
  const failures = (await Promise.all([0, 1, 2, 3].map((who) => sumQueries(server.url, who, 150)))).flat();
  expect(failures).toEqual([]);
}, 120_000);

it("keeps a connection's transaction to itself, and a client dropped mid-transaction is rolled back", async () => {
  const writer = new pg.Client({ connectionString: server.url, stream: splitWrites(1) });
  const reader = new pg.Client({ connectionString: server.url, stream: splitWrites(1) });
  await Promise.all([writer.connect(), reader.connect()]);
  await writer.query('CREATE TABLE IF NOT EXISTS pins (n int)');
  await writer.query('BEGIN');
  await writer.query('INSERT INTO pins VALUES ($1)', [1]);
  // The reader waits for the writer's transaction (one session), then sees its committed row.
  const read = reader.query('SELECT count(*)::int AS n FROM pins WHERE n = $1', [1]);
  await writer.query('INSERT INTO pins VALUES ($1)', [1]);
  await writer.query('COMMIT');
  expect((await read).rows[0].n).toBe(2);

  await writer.query('BEGIN');
  await writer.query('INSERT INTO pins VALUES ($1)', [2]);
  writer.on('error', () => {}); // the connection it loses
  writer.connection.stream.destroy();
  const after = await reader.query('SELECT count(*)::int AS n FROM pins WHERE n = $1', [2]);
  expect(after.rows[0].n).toBe(0);
  await reader.end();
}, 120_000);
