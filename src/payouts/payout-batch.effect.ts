import { recordAudit } from '../audit/index.js';
import type { RewardEffect } from '../rewards/index.js';
import { takeOutOfOpenBatch } from './payout-batch.repo.js';

/**
 * An open batch holds only approved rewards: a reward that leaves `pending` other than by being
 * paid (refunded before payment, declined, failed, or sent back to review with a new flag or
 * amount) is taken out of its batch in the same transaction, with an audit event on the batch.
 * After payment a refund is the clawback or recovery task it always was (rewards/ does that).
 */
export const payoutBatchEffect: RewardEffect = {
  name: 'payout-batches',
  async afterMove(tx, env, move) {
    if (move.before.status !== 'pending' || move.after.status === 'pending' || move.after.status === 'sent') return;
    const reason = `reward ${move.after.status.replace('_', ' ')} (${move.action.replace('_', ' ')})`;
    const item = await takeOutOfOpenBatch(tx, {
      workspaceId: move.after.workspaceId,
      rewardId: move.after.id,
      reason,
      at: env.at,
    });
    if (!item) return;
    await recordAudit(tx, env.actor, env.at, {
      action: 'payout_batch.reward_removed',
      objectType: 'payout_batch',
      objectId: item.batchId,
      before: { rewardId: item.rewardId, amount: item.amount, participantId: item.participantId },
      after: { removed: true, reason },
    });
  },
};
