import { sql } from 'drizzle-orm';
import { type MigrationMeta, readMigrationFiles } from 'drizzle-orm/migrator';
import { type Db, sqlState } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import { migrationsFolder } from '../shared/paths.js';

export type Readiness =
  | { ready: true; migrations: number }
  | { ready: false; reason: 'database_unreachable' | 'migrations_pending' | 'shutting_down'; detail: string };

let known: MigrationMeta[] | undefined;
/** The migrations this build ships with (read once: they are part of the build). */
function shippedMigrations(): MigrationMeta[] {
  known ??= readMigrationFiles({ migrationsFolder });
  return known;
}

/**
 * Ready means: the database answers and every migration this build ships with is recorded in
 * drizzle's journal table (by hash, so an edited migration counts as not applied).
 */
export async function checkReadiness(db: Db): Promise<Readiness> {
  let applied: Set<string>;
  try {
    const rows = rowsOf<{ hash: string }>(await db.execute(sql`select hash from drizzle.__drizzle_migrations`));
    applied = new Set(rows.map((row) => row.hash));
  } catch (error) {
    // 42P01/3F000: the journal does not exist yet: reachable, but nothing is migrated.
    const code = sqlState(error);
    if (code === '42P01' || code === '3F000') {
      return { ready: false, reason: 'migrations_pending', detail: 'No migration has been applied yet.' };
    }
    return { ready: false, reason: 'database_unreachable', detail: 'The database did not answer.' };
  }
  const shipped = shippedMigrations();
  const pending = shipped.filter((migration) => !applied.has(migration.hash));
  if (pending.length > 0) {
    return {
      ready: false,
      reason: 'migrations_pending',
      detail: `${pending.length} of ${shipped.length} migrations are not applied yet (\`rewardloop migrate\`, or start the server, applies them).`,
    };
  }
  return { ready: true, migrations: shipped.length };
}
