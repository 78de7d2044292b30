/**
 * Voiding a wrongly logged referral (owner or finance): the referral stays for the audit, marked
 * voided, and leaves every count, the leaderboard and attribution; its rewards are taken back
 * through the rewards' reversal path; an open dispute it was part of is looked at again (the
 * remaining referrer's claim may now stand). Load, decide (correction.core.ts), write, in one
 * transaction, the customer's row locked first as the claim engine locks it.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import { disputes, referrals, rewardFlags } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { lockParticipant } from '../participants/index.js';
import { getDefaultProgram } from '../policy/index.js';
import { attributeCustomer } from '../referrals/index.js';
import {
  type ClaimEnv,
  canRevise,
  changePayee,
  findLiveRewardForReferred,
  latestDispute,
  lockReward,
  recheckReward,
  reverseReward,
} from '../rewards/index.js';
import { type Actor, personOf } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { enqueueWebhookEvent } from '../webhooks/index.js';
import { disputeAfterVoid, rewardFollowsVoid } from './correction.core.js';
import { findReferralRow, liveReferralIdsOf, rewardIdsOfReferral } from './correction.repo.js';

export interface VoidResult {
  referralId: string;
  voidedAt: string;
  voidedBy: string;
  reason: string;
  rewards: { id: string; outcome: 'reversed' | 'reversed_after_payment' | 'already_closed' }[];
  dispute: { id: string; outcome: 'decided' | 'rechecked' } | null;
}

export async function voidReferral(
  deps: Deps,
  actor: Actor,
  id: string,
  input: { reason: string },
): Promise<VoidResult> {
  const at = deps.clock.now();
  const env: ClaimEnv = { actor, at, publicUrl: deps.publicUrl };
  const workspaceId = actor.workspaceId;
  return inTransaction(deps.db, async (tx) => {
    const found = await findReferralRow(tx, workspaceId, id);
    if (!found) throw notFound('Referral');
    await lockParticipant(tx, workspaceId, found.referredId);
    const referral = await findReferralRow(tx, workspaceId, id, true);
    if (!referral) throw notFound('Referral');
    // Voiding twice is refused, not repeated: the first void's reason and author stand.
    if (referral.voidedAt) {
      throw new AppError(
        'invalid_transition',
        `This referral was already voided by ${referral.voidedByName} at ${referral.voidedAt.toISOString()}: ${referral.voidReason}`,
        { details: { voidedAt: referral.voidedAt.toISOString() } },
      );
    }
    await tx
      .update(referrals)
      .set({ voidedAt: at, voidedBy: personOf(actor), voidedByName: actor.name, voidReason: input.reason })
      .where(and(eq(referrals.workspaceId, workspaceId), eq(referrals.id, id)));
    await recordAudit(tx, actor, at, {
      action: 'referral.voided',
      objectType: 'referral',
      objectId: id,
      before: { voidedAt: null },
      after: {
        voidedAt: at.toISOString(),
        reason: input.reason,
        referrerId: referral.referrerId,
        referredId: referral.referredId,
      },
    });

    const outcomes: VoidResult['rewards'] = [];
    for (const rewardId of await rewardIdsOfReferral(tx, workspaceId, id)) {
      const locked = await lockReward(tx, workspaceId, rewardId);
      if (!locked) continue;
      if (rewardFollowsVoid(locked.status) === 'nothing') {
        outcomes.push({ id: rewardId, outcome: 'already_closed' });
        continue;
      }
      const what = `referral ${id} voided by ${actor.name}: ${input.reason}`;
      const { paid } = await reverseReward(tx, env, locked, {
        what,
        triggerConversionId: locked.conversionId,
        audit: { reason: what, referralId: id },
        cancelledBecause: 'its referral was voided',
      });
      outcomes.push({ id: rewardId, outcome: paid ? 'reversed_after_payment' : 'reversed' });
    }

    const dispute = await settleDispute(tx, env, referral.referredId, id, input.reason);
    return {
      referralId: id,
      voidedAt: at.toISOString(),
      voidedBy: actor.name,
      reason: input.reason,
      rewards: outcomes,
      dispute,
    };
  });
}

async function settleDispute(
  tx: Tx,
  env: ClaimEnv,
  referredId: string,
  voidedId: string,
  reason: string,
): Promise<VoidResult['dispute']> {
  const workspaceId = env.actor.workspaceId;
  const dispute = await latestDispute(tx, workspaceId, referredId);
  const remaining = await liveReferralIdsOf(tx, workspaceId, referredId);
  const next = disputeAfterVoid({ disputeOpen: dispute?.status === 'open', remainingReferralIds: remaining });
  if (next.action === 'none' || !dispute) return null;
  const program = await getDefaultProgram(tx, workspaceId);
  const claim = await findLiveRewardForReferred(tx, workspaceId, program.id, referredId);
  if (next.action === 'recheck') {
    if (claim) await recheckReward(tx, env, claim.id, `a competing referral (${voidedId}) was voided: ${reason}`);
    return { id: dispute.id, outcome: 'rechecked' };
  }
  const decision = `Dispute ${dispute.id} decided: the competing referral ${voidedId} was voided (${reason}); ${next.winningReferralId} is the only one left`;
  await tx
    .update(disputes)
    .set({
      status: 'resolved',
      winningReferralId: next.winningReferralId,
      resolution: decision,
      resolvedBy: env.actor.id,
      resolvedByName: env.actor.name,
      resolvedAt: env.at,
      rewardId: claim?.id ?? dispute.rewardId,
    })
    .where(and(eq(disputes.workspaceId, workspaceId), eq(disputes.id, dispute.id)));
  await recordAudit(tx, env.actor, env.at, {
    action: 'dispute.resolved',
    objectType: 'dispute',
    objectId: dispute.id,
    before: { status: 'open' },
    after: { status: 'resolved', winningReferralId: next.winningReferralId, reason: decision },
  });
  await enqueueWebhookEvent(tx, { workspaceId, type: 'dispute.resolved', objectId: dispute.id, at: env.at });
  if (!claim) {
    // The voided referral's claim was reversed: the one left may now earn the reward.
    await attributeCustomer(tx, env, referredId);
    return { id: dispute.id, outcome: 'decided' };
  }
  // The flags the dispute raised are settled by this decision (flags are resolved, never dropped).
  const open = await tx
    .select()
    .from(rewardFlags)
    .where(
      and(
        eq(rewardFlags.workspaceId, workspaceId),
        eq(rewardFlags.rewardId, claim.id),
        eq(rewardFlags.type, 'disputed_attribution'),
        isNull(rewardFlags.resolvedAt),
      ),
    );
  for (const flag of open) {
    await tx
      .update(rewardFlags)
      .set({ resolvedAt: env.at, resolvedBy: env.actor.id, resolvedByName: env.actor.name, resolution: decision })
      .where(and(eq(rewardFlags.workspaceId, workspaceId), eq(rewardFlags.id, flag.id)));
    await recordAudit(tx, env.actor, env.at, {
      action: 'flag.resolved',
      objectType: 'reward',
      objectId: claim.id,
      after: { flagId: flag.id, type: flag.type, resolved: true, reason: decision },
    });
  }
  const current = await lockReward(tx, workspaceId, claim.id);
  if (current && canRevise(current.status)) {
    if (current.referralId !== next.winningReferralId) {
      await changePayee(tx, env, current, next.winningReferralId, decision);
    }
    await recheckReward(tx, env, claim.id, decision);
  }
  return { id: dispute.id, outcome: 'decided' };
}
