/**
 * The bulk insert as it was before rows reached PGlite as a blob (src/db/bulk.ts), kept for
 * scripts/bench-bulk.ts to compare against. The original comment:
 *
 * Many rows into one table in one statement whose SQL does not depend on how many rows there
 * are: the rows travel as one JSON parameter and PostgreSQL unpacks them
 * (`jsonb_populate_recordset`). Building a multi-row INSERT with the ORM costs Node time per
 * value (a profile of the batch engine showed it above the database's own work); this costs one
 * JSON.stringify. Rows use the schema's (camelCase) keys, like drizzle's inserts; every row of a
 * call has the same keys, and the columns not named get their defaults.
 */
import { getTableColumns, getTableName, type SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from '../src/db/client.js';
import { rowsOf } from '../src/db/json-rows.js';

const CHUNK = 1000;

export async function insertRowsBefore<T extends PgTable>(
  db: Executor,
  table: T,
  rows: Partial<T['$inferInsert']>[],
  options: { onConflictDoNothing?: boolean } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const keys = Object.keys(rows[0] as object).filter((key) => columns[key] !== undefined);
  const names = keys.map((key) => (columns[key] as { name: string }).name);
  const list = sql.join(
    names.map((name) => sql.identifier(name)),
    sql`, `,
  );
  const tableName = sql.identifier(getTableName(table));
  let inserted = 0;
  for (let from = 0; from < rows.length; from += CHUNK) {
    const payload = rows.slice(from, from + CHUNK).map((row) => {
      const out: Record<string, unknown> = {};
      for (const [index, key] of keys.entries()) {
        const value = (row as Record<string, unknown>)[key];
        out[names[index] as string] = value instanceof Date ? value.toISOString() : (value ?? null);
      }
      return out;
    });
    const conflict: SQL = options.onConflictDoNothing ? sql` on conflict do nothing` : sql``;
    const result = await db.execute(sql`
      insert into ${tableName} (${list})
      select ${list} from jsonb_populate_recordset(null::${tableName}, ${JSON.stringify(payload)}::jsonb)${conflict}
      returning 1 as one`);
    inserted += rowsOf(result).length;
  }
  return inserted;
}
