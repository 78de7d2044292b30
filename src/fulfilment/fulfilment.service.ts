/**
 * Gift cards ordered from Tremendous. An approval of a gift-card claim (with the policy's
 * autoFulfil and Tremendous connected) queues an order in the approval's own transaction; the
 * order job (fulfilment.job.ts) places it. While the provider has it, nobody marks it sent by
 * hand or sends it back to review (it could be paid twice); staff retry a failed one from the
 * Failed lane.
 */
import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import { hasTremendous } from '../integrations/index.js';
import { currentPolicy } from '../policy/index.js';
import type { RewardEffect, RewardMove, RewardRow } from '../rewards/index.js';
import type { Actor } from '../shared/actor.js';
import { AppError } from '../shared/errors.js';
import { describeOrder, externalIdFor, ORDER_IN_PROGRESS } from './fulfilment.core.js';
import { type FulfilmentOrderRow, insertOrder, lockOrder, openPayoutBatchOf, updateOrder } from './fulfilment.repo.js';

type Env = { actor: Actor; at: Date };

/** Moves refused while the provider holds the order: each could pay the referrer twice. */
const HELD_BY_PROVIDER = new Set(['mark_sent', 'reopen', 'revise', 'decline', 'mark_failed']);

async function queueOrder(tx: Tx, env: Env, reward: RewardRow, existing: FulfilmentOrderRow | undefined) {
  const at = env.at;
  if (!existing) {
    await insertOrder(tx, {
      workspaceId: reward.workspaceId,
      rewardId: reward.id,
      provider: 'tremendous',
      status: 'queued',
      round: 1,
      externalId: externalIdFor(reward.id, 1),
      amount: reward.amount,
      currency: reward.currency,
      nextAttemptAt: at,
      createdAt: at,
      updatedAt: at,
    });
  } else {
    // The provider marked the last round's order FAILED: asking under its external id again
    // would only answer that order, so the new round gets its own. A refusal before any order
    // (a 4xx, no answer) keeps the id: if an order did get through, it is found, not doubled.
    const refusedOrder =
      existing.providerOrderId !== null && ['FAILED', 'CANCELED'].includes(existing.providerStatus ?? '');
    const round = refusedOrder ? existing.round + 1 : existing.round;
    await updateOrder(tx, existing, {
      status: 'queued',
      round,
      externalId: externalIdFor(reward.id, round),
      amount: reward.amount,
      currency: reward.currency,
      providerOrderId: refusedOrder ? null : existing.providerOrderId,
      providerStatus: refusedOrder ? null : existing.providerStatus,
      attempts: 0,
      nextAttemptAt: at,
      lockedUntil: null,
      updatedAt: at,
    });
  }
  await recordAudit(tx, env.actor, at, {
    action: 'fulfilment.queued',
    objectType: 'reward',
    objectId: reward.id,
    after: { provider: 'tremendous', amount: reward.amount, currency: reward.currency },
  });
}

async function afterMove(tx: Tx, env: Env, move: RewardMove) {
  const reward = move.after;
  if (reward.rewardType !== 'gift_card') return;
  const order = await lockOrder(tx, reward.workspaceId, reward.id);
  if (order && ORDER_IN_PROGRESS.includes(order.status)) {
    // Placed or being placed: the provider may deliver it any moment.
    const inHand = order.status !== 'queued' || move.action === 'mark_sent';
    if (HELD_BY_PROVIDER.has(move.action) && inHand) {
      throw new AppError(
        'invalid_transition',
        `This gift card is with Tremendous (${describeOrder(order)}); it is marked sent when the order executes, or moves to Failed if it is refused.`,
        { details: { fulfilment: order.status } },
      );
    }
    if (order.status === 'queued' && reward.status !== 'pending') {
      // Not placed yet and the claim is no longer approved: nothing to order.
      await updateOrder(tx, order, {
        status: 'failed',
        lastError: `Not ordered: the reward was ${reward.status.replace('_', ' ')} first.`,
        updatedAt: env.at,
      });
    } else if (reward.status !== 'pending' && reward.status !== 'failed') {
      // Placed (or being placed) and the reward was closed (reversed): the job asks Tremendous
      // to reject the order at once; if it executes anyway, a recovery task opens.
      if (order.status === 'waiting') await updateOrder(tx, order, { nextAttemptAt: env.at, updatedAt: env.at });
      await recordAudit(tx, env.actor, env.at, {
        action: 'fulfilment.cancel_requested',
        objectType: 'reward',
        objectId: reward.id,
        after: { orderId: order.providerOrderId, fulfilment: order.status, rewardStatus: reward.status },
      });
    }
    return;
  }
  if (move.action !== 'approve' && move.action !== 'retry') return;
  if (!(await hasTremendous(tx, reward.workspaceId))) return;
  // Finance pays the rewards of an open payout batch: never ordered from a provider as well.
  if (await openPayoutBatchOf(tx, reward.workspaceId, reward.id)) return;
  if (move.action === 'approve') {
    const policy = await currentPolicy(tx, reward.workspaceId, reward.programId);
    if (!policy.autoFulfil) return;
  } else if (!order) {
    // A claim that was never ordered is retried by hand, as before.
    return;
  }
  await queueOrder(tx, env, reward, order);
}

export const fulfilmentEffect: RewardEffect = { name: 'fulfilment', afterMove };
