import { sql } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';

/** Row counts of every table: equal before and after proves a request wrote nothing. */
export async function tableCounts(database: Database): Promise<Record<string, number>> {
  const tables = await database.db.execute<{ tablename: string }>(
    sql`select tablename from pg_tables where schemaname = 'public' order by tablename`,
  );
  const counts: Record<string, number> = {};
  for (const { tablename } of tables.rows) {
    const result = await database.db.execute<{ n: number }>(sql.raw(`select count(*)::int as n from "${tablename}"`));
    counts[tablename] = Number(result.rows[0]?.n ?? 0);
  }
  return counts;
}
