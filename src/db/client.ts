import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { migrationsFolder } from '../shared/paths.js';
import * as schema from './schema.js';
import { cacheStatements, nameStatements } from './statement-cache.js';
import { lockEmbeddedStore, type StoreLock } from './store-lock.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Either the database or an open transaction: repositories accept both. */
export type Executor = Db | Tx;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Where the data lives, for people: a folder or a URL without its password. */
  location: string;
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Connection use, for /metrics: a PostgreSQL pool's counts; PGlite is one in-process connection. */
  connections(): { max: number; total: number; idle?: number; waiting?: number };
  /** The embedded store as a gzipped tar of its data folder, consistent (PGlite only; for backups). */
  dumpDataDir?(): Promise<Blob>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** In-memory PGlite (tests); ignored when databaseUrl is set. */
  memory?: boolean;
  /** A PGlite data folder dumped by `dumpDataDir` to start from (fast test databases). */
  loadDataDir?: Blob;
  poolSize?: number;
  purpose?: string;
}

/**
 * The contrib extensions the migrations create (pg_trgm: participant search). PGlite loads an
 * extension's code only when told at construction, so every PGlite that opens a Rewardloop store,
 * backups included, passes these.
 */
export const PGLITE_EXTENSIONS = { pg_trgm } satisfies NonNullable<PGliteOptions['extensions']>;

// Any 64-bit constant shared by every Rewardloop process: holders of this advisory lock migrate
// one at a time, so several servers starting together on PostgreSQL apply each migration once.
const MIGRATION_LOCK_KEY = 7_215_334_019;

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  return openPglite(options);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on('connect', (client) => nameStatements(client));
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = drizzleNodePg({ client: pool, schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    location: redactUrl(url),
    async migrate() {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        try {
          await migrateNodePg(drizzleNodePg({ client }), { migrationsFolder });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
    connections: () => ({ max: poolSize, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

async function openPglite(options: OpenDatabaseOptions): Promise<Database> {
  let lock: StoreLock | undefined;
  let client: PGlite;
  if (options.memory || !options.dataDir) {
    client = new PGlite({
      extensions: PGLITE_EXTENSIONS,
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
  } else {
    lock = lockEmbeddedStore(options.dataDir, options.purpose ?? 'rewardloop');
    try {
      client = new PGlite({ dataDir: options.dataDir, extensions: PGLITE_EXTENSIONS });
      await client.waitReady;
    } catch (error) {
      lock.release();
      throw error;
    }
  }
  await client.waitReady;
  cacheStatements(client);
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  // PGlite is PostgreSQL in single-user mode: no autovacuum, so nobody refreshes the planner's
  // statistics. Without them a join over a batch's customers is planned as if the tables were
  // empty (a nested loop over every participant). A stored database is analyzed when opened and
  // every ten minutes, as autovacuum would on PostgreSQL.
  const analyze = () =>
    client.exec('analyze').then(
      () => undefined,
      () => undefined,
    );
  let statistics: NodeJS.Timeout | undefined;
  if (!options.memory && options.dataDir) {
    await analyze();
    statistics = setInterval(analyze, 10 * 60_000);
    statistics.unref();
  }
  return {
    db,
    kind: 'pglite',
    location: options.dataDir && !options.memory ? options.dataDir : 'memory',
    async migrate() {
      await migratePglite(drizzlePglite({ client }), { migrationsFolder });
    },
    connections: () => ({ max: 1, total: 1 }),
    async dumpDataDir() {
      // Queries wait while the files are copied (PGlite's query lock): the copy is a committed
      // state, and the checkpoint first means a restore need not replay much WAL.
      await client.query('checkpoint');
      return client.dumpDataDir('gzip');
    },
    async close() {
      clearInterval(statistics);
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
    // Exposed for the test harness, which snapshots a migrated database once per run.
    ...{ pglite: client },
  };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres';
  }
}

/** The driver's SQLSTATE, wherever the ORM wrapped it. */
export function sqlState(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function constraintName(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const name = (current as { constraint?: unknown }).constraint;
    if (typeof name === 'string') return name;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  return sqlState(error) === '23505' && (constraint === undefined || constraintName(error) === constraint);
}
