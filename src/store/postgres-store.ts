import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import type pg from 'pg';
import { FootnoteError } from '../errors.js';
import { analyze } from '../text/index.js';
import { type Chunk, chunkIdFor, type SourceDocument } from '../types.js';
import { indexedText } from './file-store.js';
import type * as Store from './store.js';
import { checkSourceEntry } from './store.js';

let pgModule: typeof pg | undefined;

/** node-postgres, loaded when a Postgres store is first made (a file-store server never loads it). */
function loadPg(): typeof pg {
  pgModule ??= createRequire(import.meta.url)('pg') as typeof pg;
  return pgModule;
}

/** Id recorded with generations the Postgres store writes. */
export const POSTGRES_STORE_ID = 'postgres';

/** Version of the tables this Footnote reads and writes; `migrations` brings a database to it. */
export const SCHEMA_VERSION = 1;

/** Where the Postgres store is and how it connects. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /**
   * Postgres schema the tables live in; one corpus per schema, so evaluation corpora never touch
   * the served one.
   * @default 'footnote'
   */
  schema: string;
  /** Connections in the pool. @default 4 */
  poolSize: number;
  /** Longest a query may run (statement_timeout, per transaction). @default 10_000 */
  statementTimeoutMs: number;
  /** Longest an index build or copy may run at ingest. @default 600_000 */
  ingestStatementTimeoutMs: number;
  /** Attempts for a query that fails with a transient error (connection lost, shutdown). @default 3 */
  attempts: number;
  /** HNSW candidate list size while searching (raised to the candidates asked for). @default 128 */
  efSearch: number;
  /** A lock not renewed for this long is taken over (its ingest died). @default 30_000 */
  lockStaleMs: number;
}

/** The defaults of `PostgresStoreOptions` (everything but the URL). */
export const defaultPostgresStoreOptions: Omit<PostgresStoreOptions, 'url'> = {
  schema: 'footnote',
  poolSize: 4,
  statementTimeoutMs: 10_000,
  ingestStatementTimeoutMs: 600_000,
  attempts: 3,
  efSearch: 128,
  lockStaleMs: 30_000,
};

/** The URL with its password replaced, safe for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

function isTransient(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  if (code && TRANSIENT_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  );
}

/** Ingest-lock holders of this process that are still working. */
const activeHolders = new Set<string>();

/** True when a lock holder (`host:pid:nonce`) is an ingest of this machine that no longer runs. */
function isAbandonedHolder(holder: string): boolean {
  const [host, pidText] = holder.split(':');
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid)) return false;
  if (pid === process.pid) return !activeHolders.has(holder);
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Quotes an identifier (schema, table). */
function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The versioned schema: each entry moves the database from version `i` to `i + 1`. */
function migrations(schema: string): string[] {
  const s = ident(schema);
  return [
    `CREATE TABLE IF NOT EXISTS ${s}.generations (
       id bigserial PRIMARY KEY,
       name text UNIQUE NOT NULL,
       state text NOT NULL DEFAULT 'building' CHECK (state IN ('building', 'committed')),
       created_at timestamptz NOT NULL DEFAULT now(),
       dimensions integer NOT NULL,
       manifest jsonb,
       embedder_state jsonb
     );
     CREATE TABLE IF NOT EXISTS ${s}.current_generation (
       singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
       generation_id bigint REFERENCES ${s}.generations (id)
     );
     CREATE TABLE IF NOT EXISTS ${s}.ingest_lock (
       singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
       holder text,
       expires_at timestamptz
     );
     INSERT INTO ${s}.ingest_lock (singleton) VALUES (true) ON CONFLICT DO NOTHING;`,
  ];
}

/** Names of one generation's tables. */
function tables(schema: string, generationId: string) {
  const s = ident(schema);
  return {
    sources: `${s}.${ident(`sources_${generationId}`)}`,
    chunks: `${s}.${ident(`chunks_${generationId}`)}`,
    terms: `${s}.${ident(`terms_${generationId}`)}`,
    /** Unqualified name of the BM25 index, which `to_bm25query` takes (schema-qualified). */
    bm25Index: `${schema}.bm25_${generationId}`,
    bm25IndexName: `bm25_${generationId}`,
    hnswIndexName: `hnsw_${generationId}`,
  };
}

/**
 * The Postgres store: sources, chunks (with offsets, lines and sentence spans), vectors in
 * pgvector (HNSW, cosine), BM25 from pg_textsearch, and generations as tables, so any number of
 * stateless Footnote servers can answer from one database. A query is one round trip: both
 * candidate lists and their fusion are one SQL statement.
 */
export class PostgresStoreProvider implements Store.StoreProvider {
  readonly id = POSTGRES_STORE_ID;
  readonly options: PostgresStoreOptions;
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;

  constructor(options: Partial<PostgresStoreOptions> & Pick<PostgresStoreOptions, 'url'>) {
    this.options = { ...defaultPostgresStoreOptions, ...options };
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(this.options.schema))
      throw new FootnoteError(
        'invalid_request',
        `the Postgres schema name must be lowercase letters, digits and _ (got "${this.options.schema}")`,
      );
    this.pool = new (loadPg().Pool)({
      connectionString: this.options.url,
      max: this.options.poolSize,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 10_000,
    });
    // A connection that dies (idle, or between two queries of a checkout) must not crash the
    // process: the query in flight fails and is retried, the next checkout reconnects.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  get location(): string {
    return `${redactUrl(this.options.url)} (schema ${this.options.schema})`;
  }

  /** Runs `work` on a pooled client, retrying transient failures; database errors become 503s. */
  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      let client: pg.PoolClient | undefined;
      try {
        client = await this.pool.connect();
        const result = await work(client);
        client.release();
        return result;
      } catch (error) {
        client?.release(error instanceof Error ? error : true);
        lastError = error;
        if (error instanceof FootnoteError || !isTransient(error) || attempt === this.options.attempts) break;
        await new Promise((resolve) => setTimeout(resolve, 100 * 3 ** (attempt - 1)));
      }
    }
    throw this.wrap(lastError);
  }

  private wrap(error: unknown): Error {
    if (error instanceof FootnoteError) return error;
    if (isTransient(error))
      return new FootnoteError(
        'store_unavailable',
        `the Postgres database at ${redactUrl(this.options.url)} cannot be reached (${error instanceof Error ? error.message : String(error)}); answers resume when it is back`,
        { cause: error },
      );
    return error instanceof Error ? error : new Error(String(error));
  }

  /** Runs `sql` statements in one transaction with a statement timeout (SET LOCAL: no session state). */
  async transaction<T>(
    work: (client: pg.PoolClient) => Promise<T>,
    timeoutMs = this.options.statementTimeoutMs,
  ): Promise<T> {
    return this.withClient(async (client) => {
      await client.query(`BEGIN; SET LOCAL statement_timeout = ${Math.round(timeoutMs)}`);
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  /** Checks the extensions and runs the migrations, once per provider. */
  prepare(): Promise<void> {
    this.ready ??= this.migrate().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async migrate(): Promise<void> {
    const schema = ident(this.options.schema);
    await this.transaction(async (client) => {
      for (const [extension, how] of [
        ['vector', 'pgvector (Debian/Ubuntu: apt install postgresql-18-pgvector)'],
        [
          'pg_textsearch',
          "pg_textsearch (build it from its release, then add shared_preload_libraries = 'pg_textsearch' to postgresql.conf and restart)",
        ],
      ] as const) {
        try {
          await client.query('SAVEPOINT extension');
          await client.query(`CREATE EXTENSION IF NOT EXISTS ${extension}`);
          await client.query('RELEASE SAVEPOINT extension');
        } catch (error) {
          await client.query('ROLLBACK TO SAVEPOINT extension');
          if (isTransient(error)) throw error;
          throw new FootnoteError(
            'store_unavailable',
            `the Postgres database at ${redactUrl(this.options.url)} lacks the ${extension} extension, which the Postgres store needs (${error instanceof Error ? error.message : String(error)}); install ${how}, or use the embedded store (leave --store / FOOTNOTE_STORE unset)`,
          );
        }
      }
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      // Two servers starting at once: the second waits here and then finds nothing to do.
      await client.query(`LOCK TABLE ${schema}.schema_migrations IN EXCLUSIVE MODE`);
      const { rows } = await client.query<{ version: number | null }>(
        `SELECT max(version) AS version FROM ${schema}.schema_migrations`,
      );
      const current = rows[0]?.version ?? 0;
      if (current > SCHEMA_VERSION)
        throw new FootnoteError(
          'index_corrupt',
          `the Postgres schema ${this.options.schema} is at version ${current}, this Footnote knows up to ${SCHEMA_VERSION}; upgrade Footnote`,
        );
      const steps = migrations(this.options.schema);
      for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
        await client.query(steps[version - 1]!);
        await client.query(`INSERT INTO ${schema}.schema_migrations (version) VALUES ($1)`, [version]);
      }
    }, this.options.ingestStatementTimeoutMs);
  }

  async currentGeneration(): Promise<string | undefined> {
    await this.prepare();
    return this.withClient(async (client) => {
      const { rows } = await client.query<{ name: string }>(
        `SELECT g.name FROM ${ident(this.options.schema)}.current_generation c
           JOIN ${ident(this.options.schema)}.generations g ON g.id = c.generation_id`,
      );
      return rows[0]?.name;
    });
  }

  async open(): Promise<PostgresStoreSnapshot> {
    await this.prepare();
    const row = await this.withClient(async (client) => {
      const { rows } = await client.query<{
        id: string;
        name: string;
        manifest: Store.StoreManifest;
        embedder_state: unknown;
      }>(
        `SELECT g.id, g.name, g.manifest, g.embedder_state FROM ${ident(this.options.schema)}.current_generation c
           JOIN ${ident(this.options.schema)}.generations g ON g.id = c.generation_id`,
      );
      return rows[0];
    });
    if (!row)
      throw new FootnoteError(
        'index_missing',
        `no index in ${this.location}; run \`footnote ingest --store <url>\` first`,
      );
    return new PostgresStoreSnapshot(this, row.id, row.name, row.manifest, row.embedder_state);
  }

  async create(
    base?: Store.StoreSnapshot,
    options: Store.CreateOptions = {},
  ): Promise<Store.GenerationWriter> {
    if (base && !(base instanceof PostgresStoreSnapshot))
      throw new FootnoteError('internal', `the Postgres store cannot build on a ${base.storeId} generation`);
    await this.prepare();
    return PostgresGenerationWriter.start(this, base, options);
  }

  async withIngestLock<T>(work: () => Promise<T>): Promise<T> {
    await this.prepare();
    const holder = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    const schema = ident(this.options.schema);
    const stale = `${Math.round(this.options.lockStaleMs)} milliseconds`;
    const take = (condition: string, values: unknown[]) =>
      this.withClient(async (client) => {
        const { rowCount } = await client.query(
          `UPDATE ${schema}.ingest_lock SET holder = $1, expires_at = now() + interval '${stale}' WHERE ${condition}`,
          [holder, ...values],
        );
        return rowCount === 1;
      });
    let taken = await take('holder IS NULL OR expires_at < now()', []);
    if (!taken) {
      // A lock left by an ingest of this machine that is gone (its process died, or it could not
      // release the lock because the database went away mid-ingest) is taken over at once.
      const current = await this.withClient(
        async (client) =>
          (await client.query<{ holder: string | null }>(`SELECT holder FROM ${schema}.ingest_lock`)).rows[0]
            ?.holder,
      );
      if (current && isAbandonedHolder(current)) taken = await take('holder = $2', [current]);
    }
    if (!taken)
      throw new FootnoteError(
        'index_locked',
        `another ingest is writing ${this.location}; wait for it to finish and try again`,
      );
    activeHolders.add(holder);
    const renew = setInterval(
      () => {
        this.withClient((client) =>
          client.query(
            `UPDATE ${schema}.ingest_lock SET expires_at = now() + interval '${stale}' WHERE holder = $1`,
            [holder],
          ),
        ).catch(() => {});
      },
      Math.max(1_000, this.options.lockStaleMs / 3),
    );
    renew.unref();
    try {
      return await work();
    } finally {
      clearInterval(renew);
      activeHolders.delete(holder);
      await this.withClient((client) =>
        client.query(`UPDATE ${schema}.ingest_lock SET holder = NULL, expires_at = NULL WHERE holder = $1`, [
          holder,
        ]),
      ).catch(() => {});
    }
  }

  watch(onChange: () => void, intervalMs: number): () => void {
    // Polling the pointer row: one indexed read per interval, and it needs no session state
    // (LISTEN does), so it works through poolers and the test server alike.
    let last: string | undefined;
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.currentGeneration()
        .then((generation) => {
          if (generation !== undefined && generation !== last) {
            if (last !== undefined) onChange();
            last = generation;
          }
        })
        .catch(() => onChange())
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    this.currentGeneration()
      .then((generation) => {
        last ??= generation;
      })
      .catch(() => {});
    return () => clearInterval(timer);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}

interface ChunkRow {
  id: string;
  source_id: string;
  source: string;
  title: string;
  start_offset: number;
  end_offset: number;
  line_start: number;
  line_end: number;
  page: number | null;
  section: string[] | null;
  sentences: number[];
  text: string;
}

function toChunk(row: ChunkRow): Chunk {
  const sentences: Array<[number, number]> = [];
  for (let index = 0; index + 1 < row.sentences.length; index += 2)
    sentences.push([row.sentences[index]!, row.sentences[index + 1]!]);
  return {
    id: row.id,
    sourceId: row.source_id,
    source: row.source,
    title: row.title,
    start: row.start_offset,
    end: row.end_offset,
    lineStart: row.line_start,
    lineEnd: row.line_end,
    ...(row.page === null ? {} : { page: row.page }),
    ...(row.section === null ? {} : { section: row.section }),
    text: row.text,
    sentences,
  };
}

const CHUNK_COLUMNS = `c.id, c.source_id, s.source, s.title, c.start_offset, c.end_offset, c.line_start, c.line_end,
  c.page, c.section, c.sentences, substr(s.text, c.start_offset + 1, c.end_offset - c.start_offset) AS text`;

/** A vector as pgvector's text form. */
function vectorLiteral(vector: Float32Array): string {
  return `[${Array.from(vector).join(',')}]`;
}

/** One committed generation of the Postgres store; it holds no corpus data, only names. */
export class PostgresStoreSnapshot implements Store.StoreSnapshot {
  readonly storeId = POSTGRES_STORE_ID;
  private readonly tables: ReturnType<typeof tables>;

  constructor(
    private readonly provider: PostgresStoreProvider,
    readonly generationId: string,
    readonly generation: string,
    readonly manifest: Store.StoreManifest,
    readonly embedderState: unknown,
  ) {
    this.tables = tables(provider.options.schema, generationId);
  }

  /** Tables of this generation (for the writer that copies it). */
  get tableNames(): ReturnType<typeof tables> {
    return this.tables;
  }

  async search(request: Store.StoreSearchRequest): Promise<Store.StoreHit[]> {
    const terms = [...new Set(analyze(request.lexicalText))];
    const lexical = request.mode !== 'dense' && terms.length > 0;
    const dense = request.mode !== 'bm25';
    const onlyOne = !lexical || !dense;
    const lexicalWeight = onlyOne ? 1 : request.lexicalWeight;
    const denseWeight = onlyOne ? 1 : request.denseWeight;
    const { chunks, sources, bm25Index } = this.tables;
    const literal = loadPg().escapeLiteral;
    const candidates = Math.max(1, Math.round(request.candidates));
    const query = literal(terms.join(' '));
    const termArray = `ARRAY[${terms.map((term) => literal(term)).join(',')}]::text[]`;
    // BM25 over the analysed terms (so keyword matching is Footnote's own analyser, as in the
    // embedded store), times the number of query terms matched, as MiniSearch scores.
    const lexicalSql = lexical
      ? `SELECT rid, score, row_number() OVER (ORDER BY score DESC, rid) AS rank FROM (
           SELECT c.rid, -(c.terms <@> to_bm25query(${query}, ${literal(bm25Index)}))
                  * (SELECT count(*) FROM unnest(${termArray}) t WHERE t = ANY (string_to_array(c.terms, ' '))) AS score
             FROM ${chunks} c
            ORDER BY c.terms <@> to_bm25query(${query}, ${literal(bm25Index)}) LIMIT ${candidates}) l
          WHERE score > 0`
      : 'SELECT NULL::integer AS rid, NULL::float8 AS score, NULL::bigint AS rank WHERE false';
    const denseSql = dense
      ? `SELECT rid, score, row_number() OVER (ORDER BY score DESC, rid) AS rank FROM (
           SELECT c.rid, 1 - (c.embedding <=> ${literal(vectorLiteral(request.vector))}::vector) AS score
             FROM ${chunks} c ORDER BY c.embedding <=> ${literal(vectorLiteral(request.vector))}::vector LIMIT ${candidates}) d`
      : 'SELECT NULL::integer AS rid, NULL::float8 AS score, NULL::bigint AS rank WHERE false';
    const fused =
      request.fusion === 'rrf'
        ? `coalesce(${lexicalWeight} / (${request.rrfK} + l.rank), 0) + coalesce(${denseWeight} / (${request.rrfK} + d.rank), 0)`
        : `coalesce(${lexicalWeight} * l.score / max(l.score) OVER (), 0)
           + coalesce(${denseWeight} * greatest(d.score, 0) / greatest(max(d.score) OVER (), 1e-9), 0)`;
    const sql = `WITH lexical AS (${lexicalSql}), dense AS (${denseSql}),
      fused AS (
        SELECT coalesce(l.rid, d.rid) AS rid, l.score AS lexical_score, d.score AS dense_score, ${fused} AS score
          FROM lexical l FULL OUTER JOIN dense d ON l.rid = d.rid)
      SELECT f.score, f.lexical_score, f.dense_score, ${CHUNK_COLUMNS}
        FROM fused f JOIN ${chunks} c ON c.rid = f.rid JOIN ${sources} s ON s.id = c.source_id
       ORDER BY f.score DESC, f.rid LIMIT ${Math.max(1, Math.round(request.limit))}`;
    const efSearch = Math.max(this.provider.options.efSearch, candidates);
    // One round trip: the settings are local to this transaction (never session state).
    const results = await this.provider.withClient(
      async (client) =>
        (await client.query(
          `BEGIN; SET LOCAL statement_timeout = ${this.provider.options.statementTimeoutMs}; SET LOCAL hnsw.ef_search = ${efSearch}; ${sql}; COMMIT`,
        )) as unknown as pg.QueryResult[],
    );
    const rows = results.find((result) => result.command === 'SELECT')?.rows as Array<
      ChunkRow & { score: number; lexical_score: number | null; dense_score: number | null }
    >;
    return rows.map((row) => ({
      chunk: toChunk(row),
      score: row.score,
      ...(row.dense_score === null ? {} : { denseScore: row.dense_score }),
      ...(row.lexical_score === null ? {} : { lexicalScore: row.lexical_score }),
    }));
  }

  private query<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    return this.provider.withClient(async (client) => (await client.query<R>(sql, values)).rows);
  }

  async getChunks(ids: readonly string[]): Promise<Chunk[]> {
    if (ids.length === 0) return [];
    const rows = await this.query<ChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM ${this.tables.chunks} c JOIN ${this.tables.sources} s ON s.id = c.source_id
        WHERE c.id = ANY ($1::text[])`,
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.id, toChunk(row)]));
    return ids.flatMap((id) => {
      const chunk = byId.get(id);
      return chunk ? [chunk] : [];
    });
  }

  async getSource(id: string): Promise<SourceDocument | undefined> {
    return (await this.getSources([id])).get(id);
  }

  async getSources(ids: readonly string[]): Promise<Map<string, SourceDocument>> {
    if (ids.length === 0) return new Map();
    const rows = await this.query<SourceDocument & { extra: Partial<SourceDocument> }>(
      `SELECT id, source, title, text, hash, format, encoding, boilerplate, extra FROM ${this.tables.sources}
        WHERE id = ANY ($1::text[])`,
      [ids],
    );
    return new Map(rows.map(({ extra, ...row }) => [row.id, { ...row, ...extra }]));
  }

  async listSources(): Promise<Store.SourceSummary[]> {
    const rows = await this.query<{
      id: string;
      source: string;
      title: string;
      format: SourceDocument['format'];
      chunks: number;
      characters: number;
      pages: number | null;
    }>(
      `SELECT id, source, title, format, chunks, char_length(text) AS characters,
              jsonb_array_length(extra -> 'pages') AS pages
         FROM ${this.tables.sources} ORDER BY ord, id`,
    );
    return rows.map(({ pages, ...row }) => ({ ...row, ...(pages === null ? {} : { pages }) }));
  }

  async documentFrequencies(terms: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>(terms.map((term) => [term, 0]));
    if (terms.length === 0) return found;
    const rows = await this.query<{ term: string; frequency: number }>(
      `SELECT term, frequency FROM ${this.tables.terms} WHERE term = ANY ($1::text[])`,
      [[...new Set(terms)]],
    );
    for (const row of rows) found.set(row.term, row.frequency);
    return found;
  }

  async close(): Promise<void> {}
}

interface PendingSource {
  document: SourceDocument;
  chunks: Store.ChunkDraft[];
  vectors: Float32Array[];
}

/** Chunks written per INSERT while a generation is built. */
const WRITE_BATCH_CHUNKS = 1_000;

/**
 * Writes a generation into its own tables, in short transactions no reader sees (the tables are
 * not current yet), then makes it current in one transaction that switches the pointer row. A
 * crash leaves a `building` generation, which the next ingest drops.
 */
class PostgresGenerationWriter implements Store.GenerationWriter {
  private pending: PendingSource[] = [];
  private pendingChunks = 0;
  private readonly deleted = new Set<string>();
  private tablesCreated = false;
  private dimensionsInUse: number;

  private constructor(
    private readonly provider: PostgresStoreProvider,
    private readonly generationId: string,
    dimensions: number,
    private readonly options: Store.CreateOptions,
  ) {
    this.dimensionsInUse = dimensions;
  }

  static async start(
    provider: PostgresStoreProvider,
    base: PostgresStoreSnapshot | undefined,
    options: Store.CreateOptions,
  ): Promise<PostgresGenerationWriter> {
    const schema = ident(provider.options.schema);
    await dropAbandoned(provider);
    const name = `gen-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    // The dimension is known from the base, or fixed by the first source put.
    const dimensions = base?.manifest.embedder.dimensions ?? 0;
    const generationId = await provider.transaction(async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO ${schema}.generations (name, dimensions) VALUES ($1, $2) RETURNING id`,
        [name, dimensions],
      );
      return rows[0]!.id;
    });
    const writer = new PostgresGenerationWriter(provider, generationId, dimensions, options);
    if (base) await writer.createTables(dimensions, base);
    return writer;
  }

  private get tables() {
    return tables(this.provider.options.schema, this.generationId);
  }

  private async createTables(dimensions: number, base?: PostgresStoreSnapshot): Promise<void> {
    const { sources, chunks } = this.tables;
    await this.provider.transaction(async (client) => {
      await client.query(
        `UPDATE ${ident(this.provider.options.schema)}.generations SET dimensions = $1 WHERE id = $2`,
        [dimensions, this.generationId],
      );
      await client.query(`CREATE TABLE ${sources} (
        id text PRIMARY KEY, ord integer NOT NULL DEFAULT 0, source text NOT NULL, title text NOT NULL,
        text text NOT NULL, hash text NOT NULL, format text NOT NULL, encoding text NOT NULL,
        boilerplate jsonb NOT NULL, chunks integer NOT NULL, extra jsonb NOT NULL DEFAULT '{}')`);
      await client.query(`CREATE TABLE ${chunks} (
        rid serial PRIMARY KEY, id text UNIQUE NOT NULL, source_id text NOT NULL, ordinal integer NOT NULL,
        start_offset integer NOT NULL, end_offset integer NOT NULL, line_start integer NOT NULL,
        line_end integer NOT NULL, page integer, section text[], sentences integer[] NOT NULL, terms text NOT NULL,
        embedding vector(${dimensions}) NOT NULL)`);
      if (base) {
        const from = base.tableNames;
        await client.query(`INSERT INTO ${sources} SELECT * FROM ${from.sources}`);
        await client.query(
          `INSERT INTO ${chunks} (id, source_id, ordinal, start_offset, end_offset, line_start, line_end, page, section, sentences, terms, embedding)
           SELECT id, source_id, ordinal, start_offset, end_offset, line_start, line_end, page, section, sentences, terms, embedding
             FROM ${from.chunks} ORDER BY rid`,
        );
      }
    }, this.provider.options.ingestStatementTimeoutMs);
    this.tablesCreated = true;
  }

  async putSource(
    document: SourceDocument,
    chunks: Store.ChunkDraft[],
    vectors: Float32Array[],
  ): Promise<void> {
    checkSourceEntry(document, chunks, vectors);
    if (this.dimensionsInUse === 0 && vectors[0]) this.dimensionsInUse = vectors[0].length;
    this.pending = this.pending.filter((entry) => entry.document.id !== document.id);
    this.pending.push({ document, chunks, vectors });
    this.deleted.add(document.id);
    this.pendingChunks += chunks.length;
    if (this.pendingChunks >= WRITE_BATCH_CHUNKS) await this.flush();
  }

  async deleteSource(sourceId: string): Promise<void> {
    this.pending = this.pending.filter((entry) => entry.document.id !== sourceId);
    this.deleted.add(sourceId);
  }

  private async flush(): Promise<void> {
    if (!this.tablesCreated) await this.createTables(this.dimensionsInUse);
    const { sources, chunks } = this.tables;
    const pending = this.pending;
    const deleted = [...this.deleted];
    this.pending = [];
    this.pendingChunks = 0;
    this.deleted.clear();
    await this.provider.transaction(async (client) => {
      if (deleted.length > 0) {
        await client.query(`DELETE FROM ${chunks} WHERE source_id = ANY ($1::text[])`, [deleted]);
        await client.query(`DELETE FROM ${sources} WHERE id = ANY ($1::text[])`, [deleted]);
      }
      if (pending.length === 0) return;
      await client.query(
        `INSERT INTO ${sources} (id, source, title, text, hash, format, encoding, boilerplate, chunks, extra)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[],
                              $9::integer[], $10::jsonb[])`,
        [
          pending.map((entry) => entry.document.id),
          pending.map((entry) => entry.document.source),
          pending.map((entry) => entry.document.title),
          pending.map((entry) => entry.document.text),
          pending.map((entry) => entry.document.hash),
          pending.map((entry) => entry.document.format),
          pending.map((entry) => entry.document.encoding),
          pending.map((entry) => JSON.stringify(entry.document.boilerplate)),
          pending.map((entry) => entry.chunks.length),
          pending.map(({ document }) =>
            JSON.stringify({
              ...(document.pages ? { pages: document.pages } : {}),
              ...(document.sections ? { sections: document.sections } : {}),
              ...(document.originalLines ? { originalLines: document.originalLines } : {}),
            }),
          ),
        ],
      );
      const rows = pending.flatMap((entry) =>
        entry.chunks.map((chunk, ordinal) => ({ chunk, ordinal, vector: entry.vectors[ordinal]! })),
      );
      await client.query(
        `INSERT INTO ${chunks} (id, source_id, ordinal, start_offset, end_offset, line_start, line_end, page, section, sentences, terms, embedding)
         SELECT id, source_id, ordinal, start_offset, end_offset, line_start, line_end, page,
                CASE WHEN section IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(section)) END,
                ARRAY(SELECT jsonb_array_elements_text(sentences)::integer), terms, embedding::vector
           FROM unnest($1::text[], $2::text[], $3::integer[], $4::integer[], $5::integer[], $6::integer[], $7::integer[],
                       $8::integer[], $9::jsonb[], $10::jsonb[], $11::text[], $12::text[])
             AS t(id, source_id, ordinal, start_offset, end_offset, line_start, line_end, page, section, sentences, terms, embedding)`,
        [
          rows.map(({ chunk, ordinal }) => chunkIdFor(chunk.sourceId, ordinal)),
          rows.map(({ chunk }) => chunk.sourceId),
          rows.map(({ ordinal }) => ordinal),
          rows.map(({ chunk }) => chunk.start),
          rows.map(({ chunk }) => chunk.end),
          rows.map(({ chunk }) => chunk.lineStart),
          rows.map(({ chunk }) => chunk.lineEnd),
          rows.map(({ chunk }) => chunk.page ?? null),
          rows.map(({ chunk }) => (chunk.section ? JSON.stringify(chunk.section) : null)),
          rows.map(({ chunk }) => JSON.stringify(chunk.sentences.flat())),
          rows.map(({ chunk }) => analyze(indexedText(chunk)).join(' ')),
          rows.map(({ vector }) => vectorLiteral(vector)),
        ],
      );
    }, this.provider.options.ingestStatementTimeoutMs);
  }

  async commit(manifest: Store.GenerationManifest, embedderState: unknown): Promise<string> {
    await this.flush();
    const schema = ident(this.provider.options.schema);
    const { sources, chunks, terms, bm25IndexName, hnswIndexName } = this.tables;
    const order = Object.values(manifest.files).map((file) => file.id);
    // Index building runs outside the switch: readers never see these tables until it is done.
    await this.provider.transaction(async (client) => {
      await client.query(
        `UPDATE ${sources} s SET ord = o.ord FROM unnest($1::text[]) WITH ORDINALITY AS o(id, ord) WHERE s.id = o.id`,
        [order],
      );
      const { rows } = await client.query<{ missing: string }>(
        `SELECT o.id AS missing FROM unnest($1::text[]) AS o(id) LEFT JOIN ${sources} s ON s.id = o.id WHERE s.id IS NULL LIMIT 1`,
        [order],
      );
      if (rows[0])
        throw new FootnoteError(
          'internal',
          `the manifest lists source ${rows[0].missing}, which was never added`,
        );
      await client.query(`DELETE FROM ${chunks} c WHERE NOT (c.source_id = ANY ($1::text[]))`, [order]);
      await client.query(`DELETE FROM ${sources} s WHERE NOT (s.id = ANY ($1::text[]))`, [order]);
      this.options.onProgress?.(0, order.length);
      await client.query(
        `CREATE TABLE ${terms} AS SELECT term, count(DISTINCT c.rid)::integer AS frequency
           FROM ${chunks} c, unnest(string_to_array(c.terms, ' ')) AS term WHERE term <> '' GROUP BY term`,
      );
      await client.query(`ALTER TABLE ${terms} ADD PRIMARY KEY (term)`);
      await client.query(
        `CREATE INDEX ${ident(bm25IndexName)} ON ${chunks} USING bm25 (terms) WITH (text_config = 'simple', k1 = 1.2, b = 0.75)`,
      );
      await client.query(
        `CREATE INDEX ${ident(hnswIndexName)} ON ${chunks} USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 200)`,
      );
      await client.query(`ANALYZE ${chunks}`);
      await client.query(`ANALYZE ${sources}`);
    }, this.provider.options.ingestStatementTimeoutMs);
    const counts = await this.provider.withClient(async (client) => {
      const { rows } = await client.query<{ sources: number; chunks: number }>(
        `SELECT (SELECT count(*) FROM ${sources})::integer AS sources, (SELECT count(*) FROM ${chunks})::integer AS chunks`,
      );
      return rows[0]!;
    });
    const full: Store.StoreManifest = {
      formatVersion: SCHEMA_VERSION,
      ...manifest,
      store: POSTGRES_STORE_ID,
      counts,
    };
    const name = await this.provider.transaction(async (client) => {
      const { rows } = await client.query<{ name: string }>(
        `UPDATE ${schema}.generations SET state = 'committed', manifest = $2, embedder_state = $3 WHERE id = $1 RETURNING name`,
        [this.generationId, JSON.stringify(full), JSON.stringify(embedderState ?? null)],
      );
      await client.query(
        `INSERT INTO ${schema}.current_generation (singleton, generation_id) VALUES (true, $1)
           ON CONFLICT (singleton) DO UPDATE SET generation_id = EXCLUDED.generation_id`,
        [this.generationId],
      );
      return rows[0]!.name;
    });
    this.options.onProgress?.(order.length, order.length);
    await dropOld(this.provider, this.generationId);
    return name;
  }

  async abort(): Promise<void> {
    await dropGeneration(this.provider, this.generationId);
  }
}

async function dropGeneration(provider: PostgresStoreProvider, generationId: string): Promise<void> {
  const { sources, chunks, terms } = tables(provider.options.schema, generationId);
  await provider.transaction(async (client) => {
    await client.query(
      `DROP TABLE IF EXISTS ${terms}; DROP TABLE IF EXISTS ${chunks}; DROP TABLE IF EXISTS ${sources}`,
    );
    await client.query(`DELETE FROM ${ident(provider.options.schema)}.generations WHERE id = $1`, [
      generationId,
    ]);
  });
}

/** Drops generations left `building` by an ingest that died (called under the ingest lock). */
async function dropAbandoned(provider: PostgresStoreProvider): Promise<void> {
  const ids = await provider.withClient(async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM ${ident(provider.options.schema)}.generations WHERE state = 'building'`,
    );
    return rows.map((row) => row.id);
  });
  for (const id of ids) await dropGeneration(provider, id);
}

/** Keeps the current generation and the one before it (for readers that opened it just before the switch). */
async function dropOld(provider: PostgresStoreProvider, currentId: string): Promise<void> {
  const ids = await provider.withClient(async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM ${ident(provider.options.schema)}.generations
        WHERE state = 'committed' AND id <> $1 ORDER BY id DESC OFFSET 1`,
      [currentId],
    );
    return rows.map((row) => row.id);
  });
  for (const id of ids) await dropGeneration(provider, id);
}
