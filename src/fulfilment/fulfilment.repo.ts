import { and, eq, sql } from 'drizzle-orm';
import type { Db, Executor } from '../db/client.js';
import { fromJsonRow, rowsOf } from '../db/json-rows.js';
import { fulfilmentOrders } from '../db/schema.js';

export type FulfilmentOrderRow = typeof fulfilmentOrders.$inferSelect;

export async function findOrder(db: Executor, workspaceId: string, rewardId: string) {
  const [row] = await db
    .select()
    .from(fulfilmentOrders)
    .where(and(eq(fulfilmentOrders.workspaceId, workspaceId), eq(fulfilmentOrders.rewardId, rewardId)));
  return row;
}

export async function lockOrder(db: Executor, workspaceId: string, rewardId: string) {
  const [row] = await db
    .select()
    .from(fulfilmentOrders)
    .where(and(eq(fulfilmentOrders.workspaceId, workspaceId), eq(fulfilmentOrders.rewardId, rewardId)))
    .for('update');
  return row;
}

export async function insertOrder(db: Executor, row: typeof fulfilmentOrders.$inferInsert) {
  await db.insert(fulfilmentOrders).values(row);
}

export async function updateOrder(
  db: Executor,
  key: { workspaceId: string; rewardId: string },
  changes: Partial<typeof fulfilmentOrders.$inferInsert>,
) {
  await db
    .update(fulfilmentOrders)
    .set(changes)
    .where(and(eq(fulfilmentOrders.workspaceId, key.workspaceId), eq(fulfilmentOrders.rewardId, key.rewardId)));
}

/**
 * The open payout batch (draft or approved) holding a reward, if any: finance pays those rewards
 * themselves, so they are never ordered from a provider too.
 */
export async function openPayoutBatchOf(
  db: Executor,
  workspaceId: string,
  rewardId: string,
): Promise<string | undefined> {
  const [row] = rowsOf<{ batch_id: string }>(
    await db.execute(sql`
      select i.batch_id from payout_batch_items i
      join payout_batches b on b.workspace_id = i.workspace_id and b.id = i.batch_id
      where i.workspace_id = ${workspaceId} and i.reward_id = ${rewardId}
        and i.removed_at is null and i.released_at is null and b.status in ('draft', 'approved')
      limit 1`),
  );
  return row?.batch_id;
}

/**
 * Leases due orders for one job, like the outbox: `FOR UPDATE SKIP LOCKED` so several jobs (in
 * several processes) never take the same order; a lease that ran out (a job died mid-order) is
 * fair game, and its order is asked for again under the same external id.
 */
export async function leaseDueOrders(db: Db, now: Date, until: Date, limit: number): Promise<FulfilmentOrderRow[]> {
  const rows = rowsOf<{ order: unknown }>(
    await db.execute(sql`
      update fulfilment_orders o
      set status = case when o.status = 'waiting' then 'waiting' else 'ordering' end,
          locked_until = ${until.toISOString()}::timestamptz, attempts = o.attempts + 1,
          updated_at = ${now.toISOString()}::timestamptz
      from (
        select workspace_id, reward_id from fulfilment_orders
        where status in ('queued', 'ordering', 'waiting') and next_attempt_at <= ${now.toISOString()}::timestamptz
          and (locked_until is null or locked_until < ${now.toISOString()}::timestamptz)
        order by next_attempt_at
        limit ${limit}
        for update skip locked
      ) due
      where o.workspace_id = due.workspace_id and o.reward_id = due.reward_id
      returning to_jsonb(o) as order`),
  );
  return rows.map((row) => {
    const order = fromJsonRow<FulfilmentOrderRow>(row.order);
    return { ...order, lockedUntil: order.lockedUntil ? new Date(order.lockedUntil) : null };
  });
}

/** Gives back leases not used (shutting down): the orders are due again at once. */
export async function releaseOrderLeases(db: Db, leased: readonly FulfilmentOrderRow[]) {
  for (const order of leased) {
    await db
      .update(fulfilmentOrders)
      .set({ lockedUntil: null, attempts: sql`${fulfilmentOrders.attempts} - 1` })
      .where(stillLeased(order));
  }
}

/** The row as this lease left it: another job that took over after the lease ran out changed it. */
export function stillLeased(order: FulfilmentOrderRow) {
  return and(
    eq(fulfilmentOrders.workspaceId, order.workspaceId),
    eq(fulfilmentOrders.rewardId, order.rewardId),
    // Every lease adds an attempt: the same count means no one leased it since.
    eq(fulfilmentOrders.attempts, order.attempts),
  );
}

/** Extends a lease just before calling the provider; false when another job has the order now. */
export async function renewOrderLease(
  db: Db,
  order: FulfilmentOrderRow,
  until: Date,
): Promise<FulfilmentOrderRow | undefined> {
  const [row] = await db.update(fulfilmentOrders).set({ lockedUntil: until }).where(stillLeased(order)).returning();
  return row;
}

/** Records an outcome if the lease is still this job's; false when someone else took over. */
export async function finishOrder(
  db: Executor,
  order: FulfilmentOrderRow,
  changes: Partial<typeof fulfilmentOrders.$inferInsert>,
): Promise<boolean> {
  const rows = await db
    .update(fulfilmentOrders)
    .set({ ...changes, lockedUntil: null })
    .where(stillLeased(order))
    .returning({ rewardId: fulfilmentOrders.rewardId });
  return rows.length > 0;
}
