/**
 * The planner's statistics kept up with bulk writes. A backfill or an import grows a table from
 * nothing to a hundred thousand rows in minutes; until its statistics catch up, PostgreSQL plans
 * the next batch's lookups as if the table were empty (a scan of every reward of the program for
 * each customer instead of an index probe) and each batch gets slower than the last. PGlite has
 * no autovacuum at all, and PostgreSQL's wakes once a minute. So the writers that add rows in bulk
 * note how many, and once a table has grown by 500 rows plus a fifth of it since it was last
 * analyzed, it is analyzed after the transaction commits. (Autovacuum's own measure, 50 rows plus
 * a tenth, analyzed three tables after nearly every batch of an import: about 80 times for
 * 100,000 rows, each up to a few hundred milliseconds on PGlite. A fifth keeps every estimate
 * within a factor of 1.2 of the truth, which is all the plans here depend on.)
 */
import { sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { rowsOf } from './json-rows.js';

export type GrowingTable = 'participants' | 'referrals' | 'conversions' | 'rewards' | 'reward_flags';

const THRESHOLD = 500;
const SCALE = 0.2;

interface TableGrowth {
  written: number;
  /** Rows the table had when last analyzed; unknown until first read from pg_class. */
  known?: number;
}

const growth = new WeakMap<Db, { tables: Map<GrowingTable, TableGrowth>; running?: Promise<void> }>();

function stateOf(db: Db) {
  let state = growth.get(db);
  if (!state) {
    state = { tables: new Map() };
    growth.set(db, state);
  }
  return state;
}

/** Notes rows a committed transaction added. */
export function noteWrites(db: Db, counts: Partial<Record<GrowingTable, number>>): void {
  const { tables } = stateOf(db);
  for (const [table, count] of Object.entries(counts) as [GrowingTable, number][]) {
    if (!count) continue;
    const entry = tables.get(table) ?? { written: 0 };
    entry.written += count;
    tables.set(table, entry);
  }
}

/** Analyzes the noted tables that grew enough; one run at a time per database. */
export async function keepStatistics(db: Db): Promise<void> {
  const state = stateOf(db);
  if (state.running) return state.running;
  state.running = refresh(db, state.tables).finally(() => {
    state.running = undefined;
  });
  return state.running;
}

async function refresh(db: Db, tables: Map<GrowingTable, TableGrowth>) {
  const unknown = [...tables].filter(([, entry]) => entry.known === undefined).map(([table]) => table);
  if (unknown.length > 0) {
    for (const [table, rows] of await reltuples(db, unknown)) {
      const entry = tables.get(table);
      if (entry) entry.known = rows;
    }
  }
  const due = [...tables]
    .filter(([, entry]) => entry.written >= THRESHOLD + SCALE * (entry.known ?? 0))
    .map(([table]) => table);
  if (due.length === 0) return;
  // Statistics are a hint: a failure (a concurrent ANALYZE elsewhere, shutdown) costs a plan, not data.
  try {
    await db.execute(sql.raw(`analyze ${due.join(', ')}`));
  } catch {
    return;
  }
  for (const [table, rows] of await reltuples(db, due)) {
    tables.set(table, { written: 0, known: rows });
  }
}

async function reltuples(db: Db, tables: GrowingTable[]): Promise<Map<GrowingTable, number>> {
  const rows = rowsOf<{ name: GrowingTable; rows: number }>(
    await db.execute(sql`
      select c.relname as name, greatest(c.reltuples, 0)::float8 as rows from pg_class c
      where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace
        and c.relname in (select jsonb_array_elements_text(${JSON.stringify(tables)}::jsonb))`),
  );
  return new Map(rows.map((row) => [row.name, Number(row.rows)]));
}
