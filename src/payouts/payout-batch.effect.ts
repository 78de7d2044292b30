import { recordAudit } from '../audit/index.js';
import type { RewardEffect } from '../rewards/index.js';
import { AppError } from '../shared/errors.js';
import { openItemOf, takeOutOfOpenBatch } from './payout-batch.repo.js';

/**
 * An open batch holds only approved rewards. A draft lets go of a reward that leaves `pending`
 * other than by being paid (refunded, declined, failed, or sent back to review with a new flag or
 * amount): it is taken out in the same transaction, with an audit event on the batch.
 *
 * An approved batch is frozen, and its file may already be with the bank: nothing takes a line
 * out of it. A person's choice that would (mark failed, decline, retry, revise the amount or
 * payee, which sends it back to review) is refused with 409 naming the batch. A fact (a refund, a
 * chargeback, a voided referral; a check that raised a new flag) still moves the reward, but its line
 * stays in the file: when the batch is marked paid, the line is paid with it and a recovery task
 * is opened for that reward, as for a refund after payment (payout-batch.service.ts). So a reward
 * is never paid by a second batch, and the file never shrinks behind the approvers' backs.
 * After payment a refund is the clawback or recovery task it always was (rewards/ does that).
 */
export const payoutBatchEffect: RewardEffect = {
  name: 'payout-batches',
  async afterMove(tx, env, move) {
    if (move.after.status === 'sent') return;
    if (move.before.status !== 'pending' && move.before.status !== 'failed') return;
    const held = await openItemOf(tx, move.after.workspaceId, move.after.id);
    if (!held) return;
    if (held.status === 'approved') {
      // `reopen` is never a person's button: a check raised a new flag (a partial refund, say).
      const fact = move.action === 'reverse' || move.action === 'reopen' || env.actor.type === 'system';
      if (!fact) {
        throw new AppError(
          'invalid_transition',
          `This reward is in payout batch ${held.batchId}, which is approved (frozen, and its file may already be exported): it cannot be ${ACTION_WORDS[move.action] ?? move.action} while the batch holds it. Mark the batch paid (then handle this reward after payment), or cancel the batch first if it was not exported.`,
          { details: { payoutBatchId: held.batchId, action: move.action } },
        );
      }
      await recordAudit(tx, env.actor, env.at, {
        action: 'payout_batch.reward_kept',
        objectType: 'payout_batch',
        objectId: held.batchId,
        before: { rewardId: move.after.id, status: move.before.status },
        after: {
          status: move.after.status,
          reason: `reward ${move.after.status.replace('_', ' ')} (${move.action.replace('_', ' ')}) after the batch was approved: its line stays in the file; a recovery task is opened when the batch is paid`,
        },
      });
      return;
    }
    if (move.before.status !== 'pending' || move.after.status === 'pending') return;
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

const ACTION_WORDS: Partial<Record<string, string>> = {
  decline: 'declined',
  mark_failed: 'marked failed',
  retry: 'retried',
  revise: 'changed (amount or payee)',
};
