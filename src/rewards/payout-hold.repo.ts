import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';

/**
 * The open payout batch (draft or approved) holding a reward, if any: such a reward is paid with
 * its batch, never marked sent alone (the trigger rewards_payout_batch_guard refuses it too; this
 * answers with words). payouts/ owns the tables; rewards may not import payouts, so it asks here.
 */
export async function openPayoutBatchOf(db: Executor, workspaceId: string, rewardId: string) {
  const [row] = rowsOf<{ batch_id: string; status: string }>(
    await db.execute(sql`
      select b.id as batch_id, b.status from payout_batch_items i
      join payout_batches b on b.workspace_id = i.workspace_id and b.id = i.batch_id
      where i.workspace_id = ${workspaceId} and i.reward_id = ${rewardId}
        and i.removed_at is null and i.released_at is null and b.status in ('draft', 'approved')`),
  );
  return row ? { batchId: row.batch_id, status: row.status } : null;
}
