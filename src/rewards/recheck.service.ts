/**
 * A claim judged again and changed: the checks re-run when facts change (flags never vanish), an
 * approved claim goes back to review, and a new amount or payee starts a new review round with
 * its author recorded as a maker.
 */
import { and, eq } from 'drizzle-orm';
import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import { messages, rewardFlags } from '../db/schema.js';
import { DISPOSABLE_DOMAINS, evaluateEligibility, type FlagType, freshFlags } from '../eligibility/index.js';
import { findParticipant } from '../participants/index.js';
import { rulesTerms, rulesVersion } from '../policy/index.js';
import { personOf } from '../shared/actor.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { ClaimEnv } from './claim.types.js';
import { buildEligibilityContext, clickKeys, monthStart } from './claim-context.core.js';
import { findConversion, loadCustomerFacts, loadReferrerFacts } from './claim-context.repo.js';
import { isOpen } from './lifecycle.core.js';
import { flagsFor, lockReward, type RewardInsert, type RewardRow, recordMakers, updateReward } from './reward.repo.js';
import { taxFactsFor } from './tax-facts.repo.js';
import { transitionReward } from './transition.service.js';

export async function insertFlags(
  tx: Tx,
  workspaceId: string,
  rewardId: string,
  flags: { type: FlagType; reason: string; evidence: Record<string, unknown> }[],
  at: Date,
) {
  if (flags.length === 0) return;
  await tx.insert(rewardFlags).values(
    flags.map((flag) => ({
      workspaceId,
      id: newId('flag', at.getTime()),
      rewardId,
      type: flag.type,
      reason: flag.reason,
      evidence: flag.evidence,
      createdAt: at,
    })),
  );
}

/**
 * Runs the checks again over an open claim (new referral, duplicate event, dispute resolved,
 * refund, payee changed). New flags are added; flags never vanish. A flag type already resolved
 * by a person is raised again only when its evidence changed. An approved claim that gains a flag
 * goes back to review. Returns the flag types raised.
 */
export async function recheckReward(tx: Tx, env: ClaimEnv, rewardId: string, why: string): Promise<string[]> {
  const workspaceId = env.actor.workspaceId;
  const reward = await lockReward(tx, workspaceId, rewardId);
  if (!reward || !isOpen(reward.status)) return [];
  const rulesRow = await rulesVersion(tx, workspaceId, reward.programId, reward.rulesVersion);
  if (!rulesRow) throw new AppError('internal', 'The rules version of a claim is missing.');
  const rules = rulesTerms(rulesRow);
  const referrer = await findParticipant(tx, workspaceId, reward.referrerId);
  const referred = await findParticipant(tx, workspaceId, reward.referredId);
  // A reward given at the lead has no sale: it is judged again on the lead.
  const conversion = reward.conversionId ? await findConversion(tx, workspaceId, reward.conversionId) : null;
  if (!referrer || !referred || conversion === undefined) {
    throw new AppError('internal', 'A claim lost one of its records.');
  }
  const customer = await loadCustomerFacts(tx, {
    workspaceId,
    programId: reward.programId,
    referredId: reward.referredId,
    conversion,
    qualifyingTypes: rules.qualifyingTypes,
  });
  const chosen = customer.referrals.find((row) => row.referral.id === reward.referralId);
  if (!chosen) throw new AppError('internal', 'A claim lost its referral.');
  const referrerFacts = await loadReferrerFacts(tx, {
    workspaceId,
    programId: reward.programId,
    referrerId: reward.referrerId,
    monthStart: monthStart(reward.createdAt),
    windowStart: new Date(env.at.getTime() - rules.velocityWindowHours * 3_600_000),
    // The facts as the claim was first judged on: without it, or, for a claim that came with a
    // referrer's claim (counts never include it), without that one.
    excludeRewardId: reward.sourceRewardId ?? reward.id,
    ...clickKeys(customer, reward.referrerId),
  });
  if (reward.sourceRewardId || reward.payeeId !== reward.referrerId) {
    // The payee's year without this claim (the counts above left out the claim it came with; the
    // year must not): for a referred person's own reward, their year, not the referrer's.
    const year = monthStart(reward.createdAt).getUTCFullYear();
    const own = await taxFactsFor(tx, workspaceId, [reward.payeeId], [year], { excludeRewardIds: [reward.id] });
    referrerFacts.tax = own.get(`${reward.payeeId}:${year}`);
  }
  const result = evaluateEligibility(
    buildEligibilityContext({
      now: env.at,
      rules,
      chosen,
      referrer,
      referred,
      conversion,
      customer,
      referrerFacts,
      disposableDomains: DISPOSABLE_DOMAINS,
      claim: { amount: reward.amount, currency: reward.currency, rewardType: reward.rewardType },
    }),
  );
  await recordExceptionMakers(tx, env, reward, referrerFacts.exceptions);
  const existing = await flagsFor(tx, workspaceId, [reward.id]);
  const fresh = freshFlags(result.flags, existing);
  await insertFlags(tx, workspaceId, reward.id, fresh, env.at);
  const raised = fresh.map((flag) => flag.type);
  await updateReward(tx, workspaceId, reward.id, {
    checks: result.checks,
    recommendation: result.recommendation,
    fraudScore: result.fraudScore,
    updatedAt: env.at,
  });
  await recordAudit(tx, env.actor, env.at, {
    action: 'reward.rechecked',
    objectType: 'reward',
    objectId: reward.id,
    before: { recommendation: reward.recommendation, fraudScore: reward.fraudScore },
    after: { recommendation: result.recommendation, fraudScore: result.fraudScore, newFlags: raised, why },
  });
  if (raised.length > 0 && reward.status === 'pending') {
    await reopenReward(tx, env, reward, `new flag(s): ${raised.join(', ')}`);
  }
  return raised;
}

/** A "ready to send" notice not yet delivered would now be wrong. */
async function cancelReadyNotice(tx: Tx, reward: RewardRow, why: string) {
  await tx
    .update(messages)
    .set({ status: 'cancelled', lastError: `reward went back to review: ${why}` })
    .where(
      and(
        eq(messages.workspaceId, reward.workspaceId),
        eq(messages.rewardId, reward.id),
        eq(messages.kind, 'reward_ready'),
        eq(messages.status, 'queued'),
      ),
    );
}

/** An approved claim goes back to review; approvals of the earlier round no longer count. */
export async function reopenReward(tx: Tx, env: ClaimEnv, reward: RewardRow, why: string) {
  if (reward.status !== 'pending') return;
  const row = await transitionReward(tx, env, reward, 'reopen', {
    changes: { reviewRound: reward.reviewRound + 1, approvedAt: null, approvalRecord: null },
    audit: { reviewRound: reward.reviewRound + 1, why },
  });
  await cancelReadyNotice(tx, row, why);
}

/**
 * A change to what an unpaid claim pays or to whom: made in one statement that also starts a new
 * review round (the database refuses one without the other), so no approval given before the
 * change counts after it, and whoever made it becomes a maker who may not approve the claim.
 */
export async function reviseClaim(
  tx: Tx,
  env: ClaimEnv,
  reward: RewardRow,
  changes: Partial<RewardInsert>,
  maker: { reason: 'amount_changed' | 'payee_changed'; why: string },
): Promise<RewardRow> {
  const row = await transitionReward(tx, env, reward, 'revise', {
    changes: { ...changes, reviewRound: reward.reviewRound + 1, approvedAt: null, approvalRecord: null },
    audit: { reviewRound: reward.reviewRound + 1, why: maker.why },
    auditAction: reward.status === 'pending' ? 'reward.reopened' : 'reward.revised',
  });
  await recordMakers(
    tx,
    reward.workspaceId,
    reward.id,
    [{ makerId: personOf(env.actor), makerName: env.actor.name, reason: maker.reason, round: row.reviewRound }],
    env.at,
  );
  if (reward.status === 'pending') await cancelReadyNotice(tx, reward, maker.why);
  return row;
}

/** The authors of the partner exceptions in force that shaped a claim are among its makers. */
export async function recordExceptionMakers(
  tx: Tx,
  env: ClaimEnv,
  reward: Pick<RewardRow, 'workspaceId' | 'id' | 'reviewRound'>,
  exceptions: { id: string; createdById: string | null; createdBy: string; expiresAt: Date; revokedAt: Date | null }[],
) {
  const inForce = exceptions.filter((row) => row.createdById && !row.revokedAt && row.expiresAt > env.at);
  await recordMakers(
    tx,
    reward.workspaceId,
    reward.id,
    inForce.map((row) => ({
      makerId: row.createdById as string,
      makerName: row.createdBy,
      reason: 'partner_exception' as const,
      round: reward.reviewRound,
      detail: row.id,
    })),
    env.at,
  );
}
