/**
 * The reward rollups (db/schema.ts `reward_rollups`): what the tab counts and the reports read
 * instead of the rewards. The upkeep is not here but in the database — statement-level triggers on
 * `rewards` and `reward_flags` (migration 0008) — so the rollups move in the same transaction as
 * the rows whatever writes them (transitionReward, insertRewardIfFree, a batch of the claim
 * engine, a later import or a hand-made fix), and a multi-row write pays one aggregated upsert.
 * Doing it in transitionReward and insertRewardIfFree instead would leave every other writer
 * (the bench's seeding, migrations, `update rewards` in a psql session) to drift the figures.
 * This file reads them and rebuilds them from the rows.
 */
import { sql } from 'drizzle-orm';
import type { Db, Executor } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import { inTransaction } from '../db/transaction.js';
import type { RewardStatus } from './lifecycle.core.js';

/** How many rewards of the workspace are in each status: a few rows whatever the queue's size. */
export async function statusCountsFromRollups(db: Executor, workspaceId: string) {
  const rows = rowsOf<{ status: RewardStatus; n: number | string }>(
    await db.execute(sql`
      select status, sum(n) as n from reward_rollups
      where workspace_id = ${workspaceId} and measure = 'all_time' and day = '-infinity'
      group by status`),
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)])) as Partial<Record<RewardStatus, number>>;
}

/**
 * The rollups as the sum over the rows says they should be, shard-free, zero rows left out: what
 * `rebuildRewardRollups` writes and what the maintained ones must equal.
 */
export async function rollupsFromRows(db: Executor, workspaceId: string) {
  return rowsOf<RollupRow>(
    await db.execute(sql`
      select f.measure, f.day::text as day, f.status::text as status, f.currency, f.bucket,
             sum(f.n)::bigint::text as n, sum(f.amount)::bigint::text as amount
      from rewards r, lateral reward_rollup_facts(r, reward_flag_marks(reward_flag_types(r.workspace_id, r.id))) f
      where r.workspace_id = ${workspaceId}
      group by 1, 2, 3, 4, 5 having sum(f.n) <> 0 or sum(f.amount) <> 0
      order by 1, 2, 3, 4, 5`),
  );
}

/** The maintained rollups in the same shape as `rollupsFromRows`. */
export async function maintainedRollups(db: Executor, workspaceId: string) {
  return rowsOf<RollupRow>(
    await db.execute(sql`
      select measure, day::text as day, status::text as status, currency, bucket,
             sum(n)::bigint::text as n, sum(amount)::bigint::text as amount
      from reward_rollups where workspace_id = ${workspaceId}
      group by 1, 2, 3, 4, 5 having sum(n) <> 0 or sum(amount) <> 0
      order by 1, 2, 3, 4, 5`),
  );
}

export interface RollupRow {
  measure: string;
  day: string;
  status: string;
  currency: string;
  bucket: number;
  n: string;
  amount: string;
}

/** Every workspace with how many rewards it holds: what a rebuild has ahead of it. */
export async function workspacesWithRewards(db: Executor): Promise<{ id: string; name: string; rewards: number }[]> {
  return rowsOf<{ id: string; name: string; rewards: number | string }>(
    await db.execute(sql`
      select w.id, w.name, (select count(*) from rewards r where r.workspace_id = w.id) as rewards
      from workspaces w order by w.name, w.id`),
  ).map((row) => ({ id: row.id, name: row.name, rewards: Number(row.rewards) }));
}

const REBUILD_CHUNK = 20_000;

/**
 * Replaces a workspace's rollups with the sum over its rewards, in one transaction that holds
 * off writers of rewards and flags (SHARE mode: reads go on), so no change lands between the
 * delete and the last chunk. Chunks of rewards in keyset order, so `onProgress` can say how far.
 */
export async function rebuildRewardRollups(
  db: Db,
  workspaceId: string,
  onProgress: (done: number) => void = () => {},
): Promise<{ rewards: number }> {
  return inTransaction(db, async (tx) => {
    await tx.execute(sql`lock table rewards, reward_flags in share mode`);
    await tx.execute(sql`delete from reward_rollups where workspace_id = ${workspaceId}`);
    let after: { createdAt: string; id: string } | null = null;
    let done = 0;
    for (;;) {
      const chunk: { created_at: string; id: string; n: number | string }[] = rowsOf(
        await tx.execute(sql`
          with chunk as (
            select r from rewards r
            where r.workspace_id = ${workspaceId}
              and (${after?.createdAt ?? null}::timestamptz is null
                   or (r.created_at, r.id) > (${after?.createdAt ?? null}::timestamptz, ${after?.id ?? null}::text))
            order by r.created_at, r.id limit ${REBUILD_CHUNK}
          ), written as (
            insert into reward_rollups as t (workspace_id, measure, day, status, currency, bucket, shard, n, amount)
            select ${workspaceId}, f.measure, f.day, f.status, f.currency, f.bucket, 0, sum(f.n), sum(f.amount)
            from chunk c, lateral reward_rollup_facts(c.r, reward_flag_marks(reward_flag_types((c.r).workspace_id, (c.r).id))) f
            group by 2, 3, 4, 5, 6
            on conflict (workspace_id, measure, day, status, currency, bucket, shard)
            do update set n = t.n + excluded.n, amount = t.amount + excluded.amount
          )
          select (c.r).created_at::text as created_at, (c.r).id as id, count(*) over () as n
          from chunk c order by (c.r).created_at desc, (c.r).id desc limit 1`),
      );
      const last = chunk[0];
      if (!last) break;
      done += Number(last.n);
      onProgress(done);
      if (Number(last.n) < REBUILD_CHUNK) break;
      after = { createdAt: last.created_at, id: last.id };
    }
    return { rewards: done };
  });
}
