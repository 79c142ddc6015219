import type { PGlite } from '@electric-sql/pglite';

/** ReadyForQuery's type byte ('Z'): the server's "next query cycle may start" message. */
const READY_FOR_QUERY = 0x5a;
/** ReadyForQuery's status byte for "idle, not in a transaction block" ('I'). */
const IDLE = 0x49;
/** A Sync message: ends an extended-protocol group, or an error's skip-until-Sync state. */
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/** One frontend message waiting for PGlite. */
interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

/**
 * The query queue of Footnote's PGlite test server: it gives PGlite's one session to one
 * connection at a time, from that connection's first message until PGlite answers it with
 * ReadyForQuery saying "idle".
 *
 * PGlite is one Postgres backend, so one session: one unnamed prepared statement, one unnamed
 * portal, one transaction. pglite-socket's own queue (`QueryQueueManager`) runs every connection's
 * messages one by one in arrival order and keeps a connection to itself only while
 * `isInTransaction()`; so when one connection's extended-protocol group (Parse, Bind, Describe,
 * Execute, Sync: node-postgres's every parametrised query, written as five separate socket writes)
 * arrives in more than one TCP read, another connection's group can run in between, and the first
 * connection's Bind then binds the other's statement ("bind message supplies 3 parameters, but
 * prepared statement "" requires 2", "portal "" does not exist", or another query's rows).
 * A real Postgres server gives every connection its own backend, so this is the test server's
 * problem, not Footnote's.
 *
 * A connection holds the session until a ReadyForQuery 'I' ends its turn: after its Sync or
 * simple Query (or COPY's end) outside a transaction, or at the end of its transaction; messages
 * of other connections wait in arrival order. It is handed to pglite-socket's public
 * `PGLiteSocketHandler` as its `queryQueue` and implements the methods the handler calls
 * (the public methods of pglite-socket 0.2's `QueryQueueManager`, which it does not export).
 */
export class ExclusiveSessionQueue {
  private queue: Pending[] = [];
  private processing = false;
  /** The connection whose turn it is, or undefined when the session is idle. */
  private owner: number | undefined;
  /** The message PGlite is running now, so a disconnect can wait for it. */
  private running: Promise<unknown> = Promise.resolve();

  /** @param db the PGlite instance every connection shares */
  constructor(private readonly db: PGlite) {}

  /** Queues one frontend message; resolves with the number of bytes PGlite answered. */
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.processQueue();
    });
  }

  /** Messages waiting (for pglite-socket's statistics). */
  getQueueLength(): number {
    return this.queue.length;
  }

  /** Drops a disconnected connection's waiting messages. */
  clearQueueForHandler(handlerId: number): void {
    for (const pending of this.queue)
      if (pending.handlerId === handlerId) pending.reject(new Error('Handler disconnected'));
    this.queue = this.queue.filter((pending) => pending.handlerId !== handlerId);
  }

  /**
   * Ends a disconnected connection's turn: a Sync closes any half-sent extended-protocol group
   * (and an error's skip-until-Sync state), a ROLLBACK any open transaction, so the next
   * connection starts from an idle session.
   */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    await this.running.catch(() => {});
    if (this.owner !== handlerId) return;
    await this.db.runExclusive(() => this.db.execProtocolRaw(SYNC));
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.owner = undefined;
    void this.processQueue();
  }

  private async processQueue(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (;;) {
        const index =
          this.owner === undefined ? 0 : this.queue.findIndex((pending) => pending.handlerId === this.owner);
        if (index === -1 || this.queue.length === 0) break;
        const pending = this.queue.splice(index, 1)[0]!;
        this.owner = pending.handlerId;
        const last = new LastMessage();
        let bytes = 0;
        this.running = this.db.runExclusive(() =>
          this.db.execProtocolRawStream(pending.message, {
            onRawData: (data) => {
              bytes += data.length;
              last.feed(data);
              pending.onData(data);
            },
          }),
        );
        try {
          await this.running;
        } catch (error) {
          pending.reject(error);
          continue;
        }
        if (last.readyForQueryStatus() === IDLE) this.owner = undefined;
        pending.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }
}

/**
 * Follows the message framing of a backend byte stream (type byte, int32 length including
 * itself, body) to tell whether its last message is ReadyForQuery, and with which status.
 */
class LastMessage {
  private header = new Uint8Array(5);
  private headerLength = 0;
  private type = 0;
  private bodyLeft = 0;
  private lastByte = 0;

  feed(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, data.length - at);
        at += take;
        this.bodyLeft -= take;
        this.lastByte = data[at - 1]!;
        continue;
      }
      this.header[this.headerLength++] = data[at++]!;
      if (this.headerLength === 5) {
        this.type = this.header[0]!;
        this.bodyLeft = new DataView(this.header.buffer).getInt32(1) - 4;
        this.headerLength = 0;
      }
    }
  }

  /** ReadyForQuery's status byte if the stream ended with a whole ReadyForQuery, else undefined. */
  readyForQueryStatus(): number | undefined {
    const whole = this.headerLength === 0 && this.bodyLeft === 0;
    return whole && this.type === READY_FOR_QUERY ? this.lastByte : undefined;
  }
}
