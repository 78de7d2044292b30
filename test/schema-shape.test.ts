import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { rowsOf } from '../src/db/json-rows.js';
import { freshDatabase } from './support/db.js';

/**
 * The schema stays ready for a PostgreSQL distributed by workspace (Citus-style): every table
 * leads with `workspace_id`, and every primary key and unique index includes it, so each one can
 * be enforced inside one tenant's shard. Read from the live catalog after the migrations, so a
 * new migration cannot slip past. The few global exceptions are named here, each with its reason;
 * a new one has to be added on purpose.
 */
const GLOBAL_TABLES: Record<string, string> = {
  workspaces: 'the tenants themselves (a reference table when distributed)',
  webhook_receipts: "providers' delivery ids, known before the workspace is (expire after a day)",
};
const GLOBAL_UNIQUE_INDEXES: Record<string, string> = {
  workspaces_pkey: 'the workspace id is the tenant key itself',
  workspaces_slug_unique: 'public referral links name the workspace by slug: /r/{slug}/{code}',
  api_keys_key_hash_uq: 'authentication finds a key by its hash before the workspace is known',
  sessions_token_hash_uq: 'the web app finds a session by its token hash before the workspace is known',
  webhook_receipts_provider_delivery_id_pk: 'a provider delivery id is global (see webhook_receipts)',
};

describe('the schema is ready to be distributed by workspace', () => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(async () => database.close());

  it('has workspace_id in every primary key and unique index, except the named global ones', async () => {
    const rows = rowsOf<{ index: string; table: string; columns: string[] | string; primary: boolean }>(
      await database.db.execute(sql`
        select ic.relname as index, tc.relname as table, i.indisprimary as primary,
          coalesce((select array_agg(a.attname::text order by a.attnum) from pg_attribute a
            where a.attrelid = i.indrelid and a.attnum = any(i.indkey::int2[]) and a.attnum > 0), '{}') as columns
        from pg_index i
        join pg_class ic on ic.oid = i.indexrelid
        join pg_class tc on tc.oid = i.indrelid
        join pg_namespace n on n.oid = tc.relnamespace
        where n.nspname = 'public' and i.indisunique
        order by tc.relname, ic.relname`),
    );
    expect(rows.length).toBeGreaterThan(20);
    const columnsOf = (value: string[] | string) =>
      Array.isArray(value)
        ? value
        : value
            .replace(/^\{|\}$/g, '')
            .split(',')
            .filter(Boolean);
    const offenders = rows
      .filter((row) => !columnsOf(row.columns).includes('workspace_id'))
      .map((row) => row.index)
      .filter((name) => !(name in GLOBAL_UNIQUE_INDEXES));
    expect(offenders, 'unique indexes or primary keys without workspace_id').toEqual([]);
    // The allow-list names real indexes: a renamed or dropped one is noticed too.
    const names = new Set(rows.map((row) => row.index));
    for (const name of Object.keys(GLOBAL_UNIQUE_INDEXES)) expect(names, name).toContain(name);
  });

  it('has every table lead with workspace_id, in its columns and its primary key', async () => {
    const tables = rowsOf<{ table: string; first_column: string; pk_first: string | null }>(
      await database.db.execute(sql`
        select c.relname as table,
          (select a.attname::text from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum limit 1) as first_column,
          (select a.attname::text from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
            where i.indrelid = c.oid and i.indisprimary) as pk_first
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p')
        order by c.relname`),
    );
    expect(tables.length).toBeGreaterThan(15);
    const offenders = tables
      .filter((t) => !(t.table in GLOBAL_TABLES))
      .filter((t) => t.first_column !== 'workspace_id' || t.pk_first !== 'workspace_id')
      .map((t) => `${t.table} (first column ${t.first_column}, primary key starts with ${t.pk_first})`);
    expect(offenders).toEqual([]);
  });
});
