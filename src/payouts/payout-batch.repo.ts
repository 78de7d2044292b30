/** Payout batches' queries. */
import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import { payoutBatchApprovals, payoutBatches, payoutBatchItems } from '../db/schema.js';
import { OPEN_BATCH_STATUSES, PAID_OUT_REWARD_TYPES } from './payout-batch.core.js';

export type PayoutBatchRow = typeof payoutBatches.$inferSelect;
export type PayoutBatchItemRow = typeof payoutBatchItems.$inferSelect;
export type PayoutBatchApprovalRow = typeof payoutBatchApprovals.$inferSelect;

const list = (items: readonly string[]) =>
  sql.join(
    items.map((item) => sql`${item}`),
    sql`, `,
  );

export interface DraftCandidate {
  rewardId: string;
  participantId: string;
  name: string;
  email: string | null;
  amount: number;
}

/**
 * The rewards a new draft takes, locked: approved (`pending`) up to `through`, of a paid-out
 * type with an amount, in the currency, not held by another batch, with no open flag, and not in
 * a provider's hands (a gift card ordered automatically: fulfilment/ records the order, and only
 * a failed one gives the reward back to finance). `for update` makes a concurrent "mark sent"
 * either finish first (the row is then re-read and left out) or wait for this draft.
 */
export async function lockDraftCandidates(
  tx: Tx,
  input: { workspaceId: string; programId: string; currency: string; through: Date },
): Promise<DraftCandidate[]> {
  const { workspaceId: ws } = input;
  const rows = rowsOf<{ id: string; payee_id: string; name: string; email: string | null; amount: string | number }>(
    await tx.execute(sql`
      select r.id, r.payee_id, p.name, p.email, r.amount
      from rewards r
      join participants p on p.workspace_id = r.workspace_id and p.id = r.payee_id
      where r.workspace_id = ${ws} and r.program_id = ${input.programId} and r.status = 'pending'
        and r.currency = ${input.currency} and r.amount > 0
        and r.reward_type::text in (${list(PAID_OUT_REWARD_TYPES)})
        and r.approved_at <= ${input.through.toISOString()}::timestamptz
        and not exists (select 1 from payout_batch_items i where i.workspace_id = r.workspace_id
          and i.reward_id = r.id and i.removed_at is null and i.released_at is null)
        and not exists (select 1 from reward_flags f where f.workspace_id = r.workspace_id
          and f.reward_id = r.id and f.resolved_at is null)
        and not exists (select 1 from fulfilment_orders o where o.workspace_id = r.workspace_id
          and o.reward_id = r.id and o.status <> 'failed')
      order by r.id
      for update of r`),
  );
  return rows.map((row) => ({
    rewardId: row.id,
    participantId: row.payee_id,
    name: row.name,
    email: row.email,
    amount: Number(row.amount),
  }));
}

export async function findBatch(db: Executor, workspaceId: string, id: string, lock = false) {
  const query = db
    .select()
    .from(payoutBatches)
    .where(and(eq(payoutBatches.workspaceId, workspaceId), eq(payoutBatches.id, id)));
  const rows = lock ? await query.for('update') : await query;
  return rows[0];
}

export async function itemsOf(db: Executor, workspaceId: string, batchIds: string[]) {
  if (batchIds.length === 0) return [];
  return db
    .select()
    .from(payoutBatchItems)
    .where(and(eq(payoutBatchItems.workspaceId, workspaceId), inArray(payoutBatchItems.batchId, batchIds)))
    .orderBy(asc(payoutBatchItems.rewardId));
}

export async function approvalsOf(db: Executor, workspaceId: string, batchIds: string[]) {
  if (batchIds.length === 0) return [];
  return db
    .select()
    .from(payoutBatchApprovals)
    .where(and(eq(payoutBatchApprovals.workspaceId, workspaceId), inArray(payoutBatchApprovals.batchId, batchIds)))
    .orderBy(asc(payoutBatchApprovals.createdAt));
}

/** Newest first, in keyset pages. */
export async function listBatchRows(
  db: Executor,
  workspaceId: string,
  options: { limit: number; after?: { createdAt: Date; id: string } | undefined; status?: string | undefined },
) {
  const conditions = [eq(payoutBatches.workspaceId, workspaceId)];
  if (options.status) conditions.push(eq(payoutBatches.status, options.status as PayoutBatchRow['status']));
  if (options.after) {
    const after = or(
      lt(payoutBatches.createdAt, options.after.createdAt),
      and(eq(payoutBatches.createdAt, options.after.createdAt), lt(payoutBatches.id, options.after.id)),
    );
    if (after) conditions.push(after);
  }
  return db
    .select()
    .from(payoutBatches)
    .where(and(...conditions))
    .orderBy(desc(payoutBatches.createdAt), desc(payoutBatches.id))
    .limit(options.limit + 1);
}

/** Moves a batch from one status to another; undefined when it was no longer in `from` (someone else won). */
export async function updateBatchFrom(
  tx: Tx,
  batch: PayoutBatchRow,
  from: PayoutBatchRow['status'],
  changes: Partial<typeof payoutBatches.$inferInsert>,
) {
  const [row] = await tx
    .update(payoutBatches)
    .set(changes)
    .where(
      and(
        eq(payoutBatches.workspaceId, batch.workspaceId),
        eq(payoutBatches.id, batch.id),
        eq(payoutBatches.status, from),
      ),
    )
    .returning();
  return row;
}

/** Frees a cancelled batch's rewards for another batch. */
export async function releaseItems(tx: Tx, batch: PayoutBatchRow, at: Date) {
  await tx
    .update(payoutBatchItems)
    .set({ releasedAt: at })
    .where(
      and(
        eq(payoutBatchItems.workspaceId, batch.workspaceId),
        eq(payoutBatchItems.batchId, batch.id),
        isNull(payoutBatchItems.releasedAt),
      ),
    );
}

/**
 * Takes a reward out of the open batch holding it (it was refunded, declined, or sent back to
 * review before the batch was paid). Returns the item taken out, if a batch held it.
 */
export async function takeOutOfOpenBatch(
  tx: Tx,
  input: { workspaceId: string; rewardId: string; reason: string; at: Date },
): Promise<PayoutBatchItemRow | undefined> {
  const [row] = await tx
    .update(payoutBatchItems)
    .set({ removedAt: input.at, removedReason: input.reason })
    .where(
      and(
        eq(payoutBatchItems.workspaceId, input.workspaceId),
        eq(payoutBatchItems.rewardId, input.rewardId),
        isNull(payoutBatchItems.removedAt),
        isNull(payoutBatchItems.releasedAt),
        sql`exists (select 1 from payout_batches b where b.workspace_id = ${payoutBatchItems.workspaceId}
          and b.id = ${payoutBatchItems.batchId} and b.status in (${list(OPEN_BATCH_STATUSES)}))`,
      ),
    )
    .returning();
  return row;
}

/** The open batch holding a reward, if any (the reward page and the Payouts screen show it). */
export async function openBatchHolding(db: Executor, workspaceId: string, rewardIds: string[]) {
  if (rewardIds.length === 0) return new Map<string, string>();
  const rows = rowsOf<{ reward_id: string; batch_id: string }>(
    await db.execute(sql`
      select i.reward_id, i.batch_id from payout_batch_items i
      join payout_batches b on b.workspace_id = i.workspace_id and b.id = i.batch_id
      where i.workspace_id = ${workspaceId} and i.reward_id in (${list(rewardIds)})
        and i.removed_at is null and i.released_at is null and b.status in (${list(OPEN_BATCH_STATUSES)})`),
  );
  return new Map(rows.map((row) => [row.reward_id, row.batch_id]));
}

/** The currencies with approved paid-out rewards to pay that have no scheduled draft for `day` yet. */
export async function currenciesToPay(db: Executor, workspaceId: string, day: string): Promise<string[]> {
  const rows = rowsOf<{ currency: string }>(
    await db.execute(sql`
      select distinct r.currency from rewards r
      where r.workspace_id = ${workspaceId} and r.status = 'pending' and r.amount > 0
        and r.reward_type::text in (${list(PAID_OUT_REWARD_TYPES)})
        and not exists (select 1 from payout_batches b where b.workspace_id = r.workspace_id
          and b.currency = r.currency and b.scheduled_for = ${day}::date)
      order by 1`),
  );
  return rows.map((row) => row.currency);
}

/**
 * The totals of the other batches of a currency one checker could be letting out alongside this
 * one: every draft still awaiting approval, and every batch approved since `since` (paid or not),
 * never a cancelled one. The two-person rule adds them up (payout-batch.core.ts).
 */
export async function recentBatchTotals(
  db: Executor,
  input: { workspaceId: string; currency: string; since: Date; excludeId: string | null },
): Promise<number[]> {
  const rows = rowsOf<{ draft_total: string | number }>(
    await db.execute(sql`
      select b.draft_total from payout_batches b
      where b.workspace_id = ${input.workspaceId} and b.currency = ${input.currency}
        and b.status <> 'cancelled' and b.id <> ${input.excludeId ?? ''}
        and (b.status = 'draft' or b.approved_at >= ${input.since.toISOString()}::timestamptz)`),
  );
  return rows.map((row) => Number(row.draft_total));
}

/** The first export of a batch (its audit event): who downloaded the file, and when. */
export async function firstExportOf(db: Executor, workspaceId: string, batchId: string) {
  const [row] = rowsOf<{ actor_name: string; created_at: string | Date; format: string | null }>(
    await db.execute(sql`
      select actor_name, created_at, after->>'format' as format from audit_events
      where workspace_id = ${workspaceId} and object_type = 'payout_batch' and object_id = ${batchId}
        and action = 'payout_batch.exported'
      order by created_at, id limit 1`),
  );
  return row ? { by: row.actor_name, at: new Date(row.created_at), format: row.format } : null;
}

/** The open batch holding a reward, with its status (the effect refuses or keeps by it). */
export async function openItemOf(db: Executor, workspaceId: string, rewardId: string) {
  const [row] = rowsOf<{ batch_id: string; status: PayoutBatchRow['status'] }>(
    await db.execute(sql`
      select i.batch_id, b.status from payout_batch_items i
      join payout_batches b on b.workspace_id = i.workspace_id and b.id = i.batch_id
      where i.workspace_id = ${workspaceId} and i.reward_id = ${rewardId}
        and i.removed_at is null and i.released_at is null and b.status in (${list(OPEN_BATCH_STATUSES)})
      for update of i`),
  );
  return row ? { batchId: row.batch_id, status: row.status } : null;
}
