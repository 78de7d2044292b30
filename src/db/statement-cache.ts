/**
 * Statements prepared once per connection (issue 10, item 4). Every parameterised query the
 * application sends runs as a named prepared statement, keyed by its text: parsed once, and
 * planned once (a generic plan; PostgreSQL plans it again when a table's statistics change). On
 * PGlite a claim-engine batch spent about half its statements' CPU parsing and planning them:
 * the customers' facts query took 7.0 ms, 3.2 ms prepared.
 *
 * - PGlite: its `query` parses, describes, binds and executes an unnamed statement on each call,
 *   in five trips into the WebAssembly module. Here a statement is parsed and described once,
 *   then each call sends bind, describe, execute and sync in one trip. The answer is parsed by
 *   PGlite's own result parser, with the caller's options (row mode, parsers, blob), so a caller
 *   (drizzle) sees exactly what `query` answers.
 * - node-postgres: a query config gets a `name` (from its text), which node-postgres prepares
 *   once per connection; PostgreSQL then switches to a generic plan by its own rule.
 *
 * Only texts seen twice are prepared, and at most `LIMIT` per connection (on PGlite the least
 * recently used is closed), so one-off statements (an IN list of a new length) neither fill the
 * cache nor pay for a prepare. DDL in this process retires the prepared statements: a changed
 * table must not meet a plan for its old shape. A statement whose table another process changed
 * fails once with 0A000, which `inTransaction` retries, prepared afresh.
 */
import { createHash } from 'node:crypto';
import { type PGlite, parse, protocol, type QueryOptions, type Results, type Transaction } from '@electric-sql/pglite';
import type pg from 'pg';

const LIMIT = 300;
const DDL = /^(create|alter|drop|truncate|comment|reindex|do)\b/i;
/** The statement's first word, after any leading comments. */
const isDdl = (text: string) => DDL.test(text.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, ''));
/** A statement prepared before a table it reads changed shape (DDL elsewhere): prepare it again. */
export const STALE_PLAN = '0A000';

const nameOf = (text: string) => `rl_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;

/** Least recently used order over a Map: a hit moves the key to the end. */
class Recent<V> {
  readonly entries = new Map<string, V>();
  readonly seen = new Map<string, number>();
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  /** True the second time a text is asked about: worth preparing. */
  worthPreparing(key: string): boolean {
    const count = (this.seen.get(key) ?? 0) + 1;
    if (this.seen.size > 10 * LIMIT) this.seen.clear();
    this.seen.set(key, count);
    return count >= 2;
  }
}

type PgliteInternals = PGlite & {
  _checkReady(): Promise<void>;
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T>;
  _handleBlob(blob?: Blob): Promise<void>;
  _cleanupBlob(): Promise<void>;
  _getWrittenBlob(): Promise<Blob | undefined>;
  serializers: Record<number, (value: unknown) => string>;
  parsers: Record<number, (value: string, typeId?: number) => unknown>;
};

interface Prepared {
  name: string;
  paramTypes: number[];
}

/**
 * Routes PGlite's parameterised queries (its own and its transactions') through named statements.
 * The locks are PGlite's own: a query outside a transaction waits for the transaction mutex, as
 * PGlite's `query` does (else it would run inside another caller's open transaction), and every
 * trip into the module holds the query mutex.
 */
export function cacheStatements(client: PGlite): void {
  const db = client as PgliteInternals;
  const cache = new Recent<Prepared>();
  const noSync = { syncToFs: false } as const;
  /** Runs `fn` as PGlite runs a query: outside a transaction, after any open one ends. */
  const exclusive = async <T>(inTransaction: boolean, fn: () => Promise<T>): Promise<T> => {
    if (inTransaction) return db._runExclusiveQuery(fn);
    await db._checkReady();
    return db._runExclusiveTransaction(() => db._runExclusiveQuery(fn));
  };

  /** Closes the given statements (all when none given); under the query mutex. */
  const close = async (names: string[]) => {
    if (names.length === 0) return;
    for (const name of names) await db.execProtocol(protocol.serialize.close({ type: 'S', name }), noSync);
    await db.execProtocol(protocol.serialize.sync(), noSync);
  };
  const forget = async (inTransaction: boolean) => {
    const names = [...cache.entries.values()].map((entry) => entry.name);
    cache.entries.clear();
    cache.seen.clear();
    if (names.length > 0) await exclusive(inTransaction, () => close(names));
  };

  /** Parses and describes a statement; under the query mutex. */
  const prepare = async (text: string): Promise<Prepared> => {
    const name = nameOf(text);
    try {
      await db.execProtocol(protocol.serialize.parse({ name, text }), noSync);
      const described = await db.execProtocol(protocol.serialize.describe({ type: 'S', name }), noSync);
      const prepared = { name, paramTypes: parse.parseDescribeStatementResults(described.messages) };
      cache.entries.set(text, prepared);
      return prepared;
    } finally {
      await db.execProtocol(protocol.serialize.sync(), noSync);
    }
  };

  const run = async <T>(
    plain: (text: string, params?: unknown[], options?: QueryOptions) => Promise<Results<T>>,
    inTransaction: boolean,
    text: string,
    params: unknown[] | undefined,
    options: QueryOptions | undefined,
  ): Promise<Results<T>> => {
    if (!params || params.length === 0 || options?.paramTypes) {
      if (isDdl(text)) await forget(inTransaction);
      return plain(text, params, options);
    }
    if (!cache.entries.has(text) && !cache.worthPreparing(text)) return plain(text, params, options);
    return exclusive(inTransaction, async () => {
      let stale: string | undefined;
      try {
        // Looked up under the mutex: another caller may have prepared it, or closed it, meanwhile.
        const prepared = cache.get(text) ?? (await prepare(text));
        const values = params.map((param, i) => {
          if (param === null || param === undefined) return null;
          const type = prepared.paramTypes[i] as number;
          const serialize = options?.serializers?.[type] ?? db.serializers[type];
          return serialize ? serialize(param) : String(param);
        });
        await db._handleBlob(options?.blob);
        const message = Buffer.concat([
          protocol.serialize.bind({ statement: prepared.name, values: values as (string | null)[] }),
          protocol.serialize.describe({ type: 'P' }),
          protocol.serialize.execute({}),
          protocol.serialize.sync(),
        ]);
        stale = prepared.name;
        const answer = await db.execProtocol(message, { ...noSync, onNotice: options?.onNotice });
        stale = undefined;
        if (!db.isInTransaction()) await db.syncToFs();
        const blob = await db._getWrittenBlob();
        return parse.parseResults(answer.messages, db.parsers, options, blob)[0] as Results<T>;
      } catch (error) {
        if (stale && (error as { code?: string }).code === STALE_PLAN) {
          // Prepared again next time (a retried transaction): the table changed shape.
          cache.entries.delete(text);
          await close([stale]);
        }
        throw Object.assign(error as Error, { query: text, params });
      } finally {
        await db._cleanupBlob();
        // Closed only now, so no caller ever binds a statement evicted under it.
        while (cache.entries.size > LIMIT) {
          const [oldest, entry] = cache.entries.entries().next().value as [string, Prepared];
          cache.entries.delete(oldest);
          await close([entry.name]);
        }
      }
    });
  };

  const query = client.query.bind(client);
  client.query = ((text: string, params?: unknown[], options?: QueryOptions) =>
    run(query, false, text, params, options)) as PGlite['query'];
  const exec = client.exec.bind(client);
  client.exec = (async (text: string, options?: QueryOptions) => {
    if (isDdl(text)) await forget(false);
    return exec(text, options);
  }) as PGlite['exec'];
  const transaction = client.transaction.bind(client);
  client.transaction = (<T>(callback: (tx: Transaction) => Promise<T>) =>
    transaction((tx) => {
      const txQuery = tx.query.bind(tx);
      const txExec = tx.exec.bind(tx);
      const wrapped: Transaction = Object.create(tx, {
        query: {
          value: (text: string, params?: unknown[], options?: QueryOptions) => {
            if (tx.closed) return txQuery(text, params, options);
            return run(txQuery, true, text, params, options);
          },
        },
        exec: {
          value: async (text: string, options?: QueryOptions) => {
            if (!tx.closed && isDdl(text)) await forget(true);
            return txExec(text, options);
          },
        },
      });
      return callback(wrapped);
    })) as PGlite['transaction'];
}

/**
 * DDL run by this process (a migration, a test's table): node-postgres's statements prepared
 * before it get new names, so no connection executes a plan made for a table's old shape.
 */
let generation = 0;

/**
 * Names node-postgres's parameterised queries by their text, so each connection prepares them
 * once: the first 300 texts seen twice (node-postgres cannot close a statement it prepared; later
 * texts stay unnamed).
 */
export function nameStatements(client: pg.PoolClient | pg.Client): void {
  const cache = new Recent<{ name: string; generation: number }>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const [config, values] = args;
    const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
    if (typeof text === 'string' && isDdl(text)) generation++;
    else if (config && typeof config === 'object' && typeof text === 'string') {
      const named = config as pg.QueryConfig & { name?: string };
      // drizzle passes the values beside the config.
      const count = named.values?.length ?? (Array.isArray(values) ? values.length : 0);
      // A name of ours on a reused config may be from before the last DDL: chosen again.
      if ((!named.name || named.name.startsWith('rl_')) && count > 0) {
        delete named.name;
        const hit = cache.get(text);
        if (hit && hit.generation === generation) named.name = hit.name;
        else if ((hit || cache.worthPreparing(text)) && cache.entries.size < LIMIT) {
          named.name = nameOf(`${generation}\0${text}`);
          cache.entries.set(text, { name: named.name, generation });
        }
      }
    }
    const result = query(...args);
    // DDL by another process (a rolling migration) left this connection's plan for a table's old
    // shape: every statement gets a new name, so the next attempt (a retried transaction) is
    // prepared afresh.
    if (result instanceof Promise) {
      result.catch((error: { code?: string }) => {
        if (error?.code === STALE_PLAN) generation++;
      });
    }
    return result;
  };
}
