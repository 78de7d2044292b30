/**
 * Many rows into one table in one statement whose SQL does not depend on how many rows there
 * are: the rows travel as one JSON document and PostgreSQL unpacks them
 * (`jsonb_populate_recordset`). Building a multi-row INSERT with the ORM costs Node time per
 * value (a profile of the batch engine showed it above the database's own work); this costs one
 * JSON.stringify. Rows use the schema's (camelCase) keys, like drizzle's inserts; every row of a
 * call has the same keys, and the columns not named get their defaults.
 *
 * How the document reaches the database differs, the statement does not:
 * - PostgreSQL: as the statement's one parameter (`$1::jsonb`). Its cost there is the table's
 *   own work (keys, triggers, indexes: EXPLAIN ANALYZE of 1,000 claims, 4.4 MB, is 323 ms of
 *   which the unpacking is 18 ms); `json`, a higher work_mem or no `returning` measured no better.
 * - PGlite: as the query's blob, which the statement reads as the file /dev/blob
 *   (`pg_read_file('/dev/blob')::jsonb`). A text parameter is encoded by PGlite's JavaScript
 *   protocol writer a character at a time (it walks the string to count its UTF-8 bytes, then
 *   copies it through growing buffers): for a batch's 4.4 MB of claims, `select $1::text is null`
 *   took ~200 ms and the same text as a blob ~26 ms, more than the whole jsonb parse (~75 ms).
 *   The blob is one copy of bytes the Blob encoded natively. PGlite runs as its superuser, which
 *   may read server files. A document of megabytes is also inserted with work_mem raised for the
 *   statement (and put back after): the function's rows and the triggers' transition tables
 *   outgrow the default 4 MB and spill to temporary files, which PGlite keeps in its in-memory
 *   file system and regrows by copying (1,000 claims: 675 -> 558 ms of CPU, median of 9).
 * Either way the same JSON text is parsed by the same jsonb_populate_recordset: the same rows,
 * defaults, nulls (JSON null, or a missing key, is SQL NULL), timestamps and jsonb values. The
 * batch engine's bulk updates (re-checked claims' checks, events' answers) send their document
 * the same way (executeWithJson): 1,000 re-checks' `update rewards`, 2.5 MB, 326 -> 216 ms.
 */
import { getTableColumns, getTableName, is, type SQL, sql } from 'drizzle-orm';
import type { PgDialect, PgTable } from 'drizzle-orm/pg-core';
import { PgliteSession } from 'drizzle-orm/pglite';
import type { Executor } from './client.js';
import { rowsOf } from './json-rows.js';

const CHUNK = 1000;
/** A document this long (characters of JSON) gets work_mem raised to WORK_MEM on PGlite. */
const LARGE = 2_000_000;
const WORK_MEM = '64MB';

/** PGlite's own query (of the database or of a transaction), which takes a blob to read as /dev/blob. */
interface PgliteQuery {
  query<R>(text: string, params?: unknown[], options?: { blob: Blob }): Promise<{ rows: R[] }>;
}

/** The PGlite client under a drizzle database or transaction; undefined on PostgreSQL. */
function pgliteOf(db: Executor): PgliteQuery | undefined {
  const session = db._.session;
  return is(session, PgliteSession) ? (session as unknown as { client: PgliteQuery }).client : undefined;
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Runs a statement that reads one JSON document (`statement(document)` puts the jsonb where it
 * is read), the document as PGlite's blob or PostgreSQL's parameter, as described above; the
 * bulk inserts and the batch engine's bulk updates use it. Answers the rows the statement returns.
 */
export async function executeWithJson(db: Executor, json: string, statement: (document: SQL) => SQL): Promise<number> {
  const pglite = pgliteOf(db);
  if (!pglite) return rowsOf(await db.execute(statement(sql`${json}::jsonb`))).length;
  const query = (db as unknown as { dialect: PgDialect }).dialect.sqlToQuery(
    statement(sql.raw(`pg_read_file('/dev/blob')::jsonb`)),
  );
  let previous: string | undefined;
  if (json.length >= LARGE) {
    // The value in force is read before it is changed (the subquery runs first).
    const [setting] = (
      await pglite.query<{ previous: string }>(
        `select previous, set_config('work_mem', '${WORK_MEM}', true) from (select current_setting('work_mem') as previous offset 0) s`,
      )
    ).rows;
    previous = setting?.previous;
  }
  const result = await pglite.query(query.sql, query.params, { blob: new Blob([json]) });
  // Put back as it was for the rest of the caller's transaction (a failed statement rolls it back).
  if (previous !== undefined) await pglite.query(`select set_config('work_mem', $1, true)`, [previous]);
  return result.rows.length;
}

export async function insertRows<T extends PgTable>(
  db: Executor,
  table: T,
  rows: Partial<T['$inferInsert']>[],
  options: { onConflictDoNothing?: boolean } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const keys = Object.keys(rows[0] as object).filter((key) => columns[key] !== undefined);
  const names = keys.map((key) => (columns[key] as { name: string }).name);
  const list = names.map(quoted).join(', ');
  const tableName = quoted(getTableName(table));
  const conflict = options.onConflictDoNothing ? ' on conflict do nothing' : '';
  let inserted = 0;
  for (let from = 0; from < rows.length; from += CHUNK) {
    const payload = rows.slice(from, from + CHUNK).map((row) => {
      const out: Record<string, unknown> = {};
      for (let index = 0; index < keys.length; index++) {
        const value = (row as Record<string, unknown>)[keys[index] as string];
        out[names[index] as string] = value instanceof Date ? value.toISOString() : (value ?? null);
      }
      return out;
    });
    inserted += await executeWithJson(
      db,
      JSON.stringify(payload),
      (document) =>
        sql`${sql.raw(`insert into ${tableName} (${list}) select ${list} from jsonb_populate_recordset(null::${tableName}, `)}${document}${sql.raw(`)${conflict} returning 1 as one`)}`,
    );
  }
  return inserted;
}
