import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import { activeExceptions } from '../eligibility/index.js';
import { lockParticipant } from '../participants/index.js';
import { policyTerms, policyVersion } from '../policy/index.js';
import { AppError } from '../shared/errors.js';
import { attributionOf } from './claim.core.js';
import type { ClaimEnv } from './claim.types.js';
import { exceptionFacts, monthStart } from './claim-context.core.js';
import { findConversion, loadReferrerFacts, referralsOfCustomer } from './claim-context.repo.js';
import { canRevise } from './lifecycle.core.js';
import { recheckReward, recordExceptionMakers, reviseClaim } from './recheck.service.js';
import { withdrawUnearnedBonuses } from './refund.service.js';
import {
  lockReward,
  openClaimsOfParticipant,
  type RewardRow,
  recordMakers,
  referredRewardsWith,
} from './reward.repo.js';
import { computeRewardAmount } from './reward-amount.core.js';

/**
 * Moves an unpaid claim to another referral of the same customer (a dispute decided, or a
 * correction): the new referrer's tier ordinal and partner exception give the amount again
 * under the claim's own policy version. Whoever does this may not approve the claim afterwards.
 */
export async function changePayee(tx: Tx, env: ClaimEnv, reward: RewardRow, referralId: string, why: string) {
  if (reward.referralId === referralId) return reward;
  // A failed fulfilment keeps its approval for the retry, so it must keep its payee too.
  if (!canRevise(reward.status)) {
    throw new AppError(
      'invalid_transition',
      `This reward is ${reward.status.replace('_', ' ')}: its payee can no longer change.`,
    );
  }
  const workspaceId = reward.workspaceId;
  const referrals = await referralsOfCustomer(tx, workspaceId, reward.referredId);
  const target = referrals.find((row) => row.referral.id === referralId);
  if (!target) {
    throw new AppError('unprocessable', 'That referral is not one of this customer’s referrals.', {
      field: 'referralId',
    });
  }
  const referrer = await lockParticipant(tx, workspaceId, target.referral.referrerId);
  const policyRow = await policyVersion(tx, workspaceId, reward.programId, reward.policyVersion);
  // Only a referrer's claim is credited to a referral; the claims beside it follow it (below).
  if (reward.kind !== 'referral' || !reward.conversionId) {
    throw new AppError('invalid_transition', 'Only a referrer’s claim moves to another referral; this one follows it.');
  }
  const conversion = await findConversion(tx, workspaceId, reward.conversionId);
  if (!referrer || !policyRow || !conversion) throw new AppError('internal', 'A claim lost one of its records.');
  const facts = await loadReferrerFacts(tx, {
    workspaceId,
    programId: reward.programId,
    referrerId: referrer.id,
    monthStart: monthStart(env.at),
    windowStart: env.at,
    excludeRewardId: reward.id,
    ips: [],
    devices: [],
  });
  const exception = activeExceptions({ now: env.at, exceptions: facts.exceptions.map(exceptionFacts) })[0];
  const ordinal = facts.lifetime + 1;
  const amount = computeRewardAmount({ policy: policyTerms(policyRow), ordinal, conversion, override: exception });
  const updated = await reviseClaim(
    tx,
    env,
    reward,
    {
      referralId,
      referrerId: referrer.id,
      payeeId: referrer.id,
      ordinal,
      amount: amount.amount,
      currency: amount.currency,
      summary: amount.summary,
      calculation: amount.calculation,
      attribution: attributionOf(target, 0),
      payeeChangedBy: env.actor.id,
    },
    { reason: 'payee_changed', why },
  );
  await recordExceptionMakers(tx, env, updated, facts.exceptions);
  // Whoever recorded the referral now paid chose this payee too.
  await recordMakers(
    tx,
    workspaceId,
    reward.id,
    [
      {
        makerId: target.referral.createdBy,
        makerName: target.referral.createdByName,
        reason: 'attributed',
        round: updated.reviewRound,
      },
    ],
    env.at,
  );
  await recordAudit(tx, env.actor, env.at, {
    action: 'reward.payee_changed',
    objectType: 'reward',
    objectId: reward.id,
    before: {
      referralId: reward.referralId,
      referrerId: reward.referrerId,
      amount: reward.amount,
      calculation: reward.calculation,
    },
    after: { referralId, referrerId: referrer.id, amount: amount.amount, calculation: amount.calculation, why },
  });
  // The previous referrer has one converted referral fewer: a bonus it no longer reaches goes. The
  // referred person's own reward stays theirs and follows the referral now credited (a new round:
  // who referred them changed).
  await withdrawUnearnedBonuses(tx, env, reward, `${reward.id} moved to another referrer: ${why}`);
  for (const id of await referredRewardsWith(tx, reward)) {
    const own = await lockReward(tx, workspaceId, id);
    if (!own || !canRevise(own.status)) continue;
    await reviseClaim(
      tx,
      env,
      own,
      { referralId, referrerId: referrer.id, attribution: updated.attribution },
      { reason: 'payee_changed', why },
    );
  }
  return updated;
}

/** Details of a referrer that decide where and to whom a reward goes, or whether they may refer. */
export const PAYEE_DETAILS = ['name', 'email', 'phone', 'address', 'kind'] as const;

/**
 * A participant's payout details changed (an email a gift card goes to, an address, their kind):
 * each unpaid claim paying them or made for their referrals starts a new review round with the
 * editor as a maker, and is
 * checked again, so an approval given before the change never pays the changed details.
 * (A failed fulfilment keeps its approval for the manual fallback; it is not reopened here.)
 */
export async function reviewClaimsAfterPayeeEdit(
  tx: Tx,
  env: ClaimEnv,
  referrerId: string,
  changed: readonly string[],
) {
  if (changed.length === 0) return [];
  // Payout details decide the claims paying them; their kind also decides whether they may refer,
  // so it reaches the claims of the people they referred (a referred person's own reward) too.
  const claims = (await openClaimsOfParticipant(tx, env.actor.workspaceId, referrerId)).filter(
    (claim) => claim.payeeId === referrerId || changed.includes('kind'),
  );
  const failed = claims.find((claim) => claim.status === 'failed' && claim.payeeId === referrerId);
  if (failed) {
    // A failed fulfilment keeps its approval for the manual fallback: new details now would be
    // paid without anyone approving them.
    throw new AppError(
      'invalid_transition',
      `This participant has a reward whose fulfilment failed (${failed.id}); it would be sent to the new ${changed.join(', ')} without a new approval. Mark it sent or reverse it first.`,
      { details: { rewardId: failed.id, currentStatus: 'failed' } },
    );
  }
  const why = `the referrer's ${changed.join(', ')} changed`;
  for (const claim of claims) {
    const locked = await lockReward(tx, env.actor.workspaceId, claim.id);
    if (!locked || !canRevise(locked.status) || locked.status === 'failed') continue;
    await reviseClaim(tx, env, locked, {}, { reason: 'payee_changed', why });
    await recheckReward(tx, env, locked.id, why);
  }
  return claims.map((claim) => claim.id);
}
