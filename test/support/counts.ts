import { sql } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';

/** Row counts of every table: equal before and after proves a request wrote nothing. */
export async function tableCounts(database: Database): Promise<Record<string, number>> {
  const tables = (await database.db.execute(
    sql`select tablename from pg_tables where schemaname = 'public' order by tablename`,
  )) as unknown as { rows: { tablename: string }[] };
  const counts: Record<string, number> = {};
  for (const { tablename } of tables.rows) {
    const result = (await database.db.execute(sql.raw(`select count(*)::int as n from "${tablename}"`))) as unknown as {
      rows: { n: number }[];
    };
    counts[tablename] = Number(result.rows[0]?.n ?? 0);
  }
  return counts;
}

/** How many rows a table gained between two snapshots. */
export function grew(after: Record<string, number>, before: Record<string, number>, table: string): number {
  return (after[table] ?? 0) - (before[table] ?? 0);
}
