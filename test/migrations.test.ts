import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { allowedTransitions, REWARD_STATUSES } from '../src/rewards/lifecycle.core.js';
import { migrationsFolder } from '../src/shared/paths.js';
import { freshDatabase, onPostgres, scratchPostgresUrl } from './support/db.js';
import { runCli } from './support/process.js';

const migrationCount = readdirSync(migrationsFolder).filter((file) => file.endsWith('.sql')).length;

describe('migrations', () => {
  it.runIf(onPostgres)('apply once when several processes start at the same moment', async () => {
    const scratch = await scratchPostgresUrl();
    try {
      const runs = await Promise.all(
        Array.from({ length: 4 }, () => runCli(['migrate'], { DATABASE_URL: scratch.url })),
      );
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      const database = await openDatabase({ databaseUrl: scratch.url, poolSize: 1 });
      const applied = (await database.db.execute(
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      )) as unknown as {
        rows: { n: number }[];
      };
      expect(applied.rows[0]?.n).toBe(migrationCount);
      await database.close();
    } finally {
      await scratch.drop();
    }
  });

  it('are idempotent: running them again changes nothing', async () => {
    const database = await freshDatabase();
    try {
      await database.migrate();
      await database.migrate();
      const tables = (await database.db.execute(
        sql`select count(*)::int as n from pg_tables where schemaname = 'public'`,
      )) as unknown as { rows: { n: number }[] };
      expect(tables.rows[0]?.n).toBeGreaterThan(20);
    } finally {
      await database.close();
    }
  });

  it('make the database refuse the transitions the lifecycle refuses', async () => {
    // The trigger and lifecycle.core.ts hold the same table; this keeps them in step.
    const database = await freshDatabase();
    try {
      const source = readdirSync(migrationsFolder)
        .filter((file) => file.endsWith('.sql'))
        .map((file) => join(migrationsFolder, file));
      expect(source.length).toBe(migrationCount);
      const allowed = new Set(allowedTransitions().map(([from, to]) => `${from}>${to}`));
      const result = (await database.db.execute(
        sql`select prosrc from pg_proc where proname = 'rewards_guard'`,
      )) as unknown as {
        rows: { prosrc: string }[];
      };
      const body = result.rows[0]?.prosrc ?? '';
      for (const from of REWARD_STATUSES) {
        const line = new RegExp(`OLD\\.status = '${from}'\\s+AND NEW\\.status (?:IN \\(([^)]*)\\)|= '(\\w+)')`).exec(
          body,
        );
        const targets = line ? (line[1] ?? `'${line[2]}'`).split(',').map((s) => s.trim().replaceAll("'", '')) : [];
        const expected = REWARD_STATUSES.filter((to) => allowed.has(`${from}>${to}`));
        expect(targets.sort(), `from ${from}`).toEqual(expected.sort());
      }
    } finally {
      await database.close();
    }
  });
});
