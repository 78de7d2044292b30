/**
 * The claim engine: turns a qualifying conversion into a reward claim with its amount worked out,
 * its checks run and its flags raised; re-checks a claim when the facts change; applies refunds.
 * Everything here runs inside the caller's transaction, with the referred customer's row locked,
 * so two events about one customer never interleave.
 */
import { and, eq } from 'drizzle-orm';
import { isPersonActive } from '../access/index.js';
import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import {
  conversions,
  disputes,
  messages,
  recoveryTasks,
  rewardApprovals,
  rewardFlags,
  workspaces,
} from '../db/schema.js';
import { activeExceptions, evaluateEligibility, type FlagType } from '../eligibility/index.js';
import { queueRewardReady } from '../messaging/index.js';
import { findParticipant, lockParticipant, type ParticipantRow } from '../participants/index.js';
import {
  currentRules,
  holdUntil,
  type ProgramRulesTerms,
  policyTerms,
  rulesTerms,
  rulesVersion,
} from '../policy/index.js';
import type { Actor } from '../shared/actor.js';
import { personOf, systemActor } from '../shared/actor.js';
import { canonicalJson } from '../shared/canonical.js';
import { formatMoney } from '../shared/currency.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { autoApprovalDecision } from './approval.core.js';
import {
  attributionTiming,
  buildEligibilityContext,
  type ConversionRow,
  clickKeys,
  exceptionFacts,
  findConversion,
  loadCustomerFacts,
  loadProgramTerms,
  loadReferrerFacts,
  monthStart,
  type ReferralWithReferrer,
  reversalsOf,
} from './claim-context.repo.js';
import { inSet, isOpen, isPaid, recoveryKindFor } from './lifecycle.core.js';
import {
  findLiveRewardForReferred,
  flagsFor,
  insertRewardIfFree,
  loadApprovalFacts,
  lockReward,
  type RewardInsert,
  type RewardRow,
  recordMakers,
  rewardsForConversion,
  updateReward,
} from './reward.repo.js';
import { computeRewardAmount } from './reward-amount.core.js';
import { transitionReward } from './transition.service.js';

export type ClaimOutcome =
  | 'reward_created'
  | 'no_referral'
  | 'not_qualifying'
  | 'below_minimum'
  | 'no_reward_policy'
  | 'already_rewarded'
  | 'duplicate_flagged'
  | 'awaiting_participant';

export interface ClaimEnv {
  actor: Actor;
  at: Date;
  publicUrl: string;
}

/**
 * Opens an attribution dispute, or answers the one already open. disputes/ does it; a claim
 * creator passes it in, since disputes depends on rewards (resolution changes the payee).
 */
export type OpenDispute = (
  tx: Tx,
  env: ClaimEnv,
  referredId: string,
  reason: string,
) => Promise<typeof disputes.$inferSelect | undefined>;

export interface ClaimCreationEnv extends ClaimEnv {
  openDispute: OpenDispute;
}

async function workspaceRow(tx: Tx, workspaceId: string) {
  const [row] = await tx.select().from(workspaces).where(eq(workspaces.id, workspaceId));
  if (!row) throw new AppError('not_found', 'Workspace not found.');
  return row;
}

/** First touch wins, unless a resolved dispute named another winner. */
function chooseReferral(referralsOf: ReferralWithReferrer[], winningReferralId: string | null | undefined) {
  return referralsOf.find((row) => row.referral.id === winningReferralId) ?? referralsOf[0];
}

/**
 * Creates the claim for a qualifying conversion, or says why there is none. Takes the referred
 * customer's row lock first and the referrer's second, so two events about one customer never
 * interleave and a referrer's tier ordinals are handed out one at a time.
 */
export async function createClaimForConversion(
  tx: Tx,
  env: ClaimCreationEnv,
  conversion: ConversionRow,
  /** The referred customer's row, when the caller already holds its lock. */
  lockedReferred?: ParticipantRow,
): Promise<{ outcome: ClaimOutcome; rewardIds: string[] }> {
  const workspaceId = env.actor.workspaceId;
  if (!conversion.referredId) return { outcome: 'awaiting_participant', rewardIds: [] };
  const terms = await loadProgramTerms(tx, workspaceId);
  const rules = rulesTerms(terms.rules);
  if (terms.policy.rewardType === 'none') return { outcome: 'no_reward_policy', rewardIds: [] };
  if (!rules.qualifyingTypes.includes(conversion.type)) return { outcome: 'not_qualifying', rewardIds: [] };
  if (rules.minAmount > 0 && conversion.currency === rules.currency && conversion.amount < rules.minAmount) {
    return { outcome: 'below_minimum', rewardIds: [] };
  }

  const referred =
    lockedReferred?.id === conversion.referredId
      ? lockedReferred
      : await lockParticipant(tx, workspaceId, conversion.referredId);
  if (!referred) return { outcome: 'awaiting_participant', rewardIds: [] };
  const customer = await loadCustomerFacts(tx, {
    workspaceId,
    programId: terms.programId,
    referredId: referred.id,
    conversion,
    qualifyingTypes: rules.qualifyingTypes,
  });
  if (customer.liveReward) return flagDuplicateAttempt(tx, env, customer.liveReward, conversion);

  let dispute = customer.dispute;
  const chosen = chooseReferral(customer.referrals, dispute?.status === 'resolved' ? dispute.winningReferralId : null);
  if (!chosen) return { outcome: 'no_referral', rewardIds: [] };

  // Two or more referrers for one customer: open a dispute case so the competing referrals are
  // decided by a person, unless a resolution already covers every competing referral.
  const resolvedAt = dispute?.status === 'resolved' ? dispute.resolvedAt : null;
  const unsettled =
    customer.referrals.length > 1 &&
    !(resolvedAt && customer.referrals.every((row) => row.referral.createdAt <= resolvedAt));
  if (unsettled && dispute?.status !== 'open') {
    dispute =
      (await env.openDispute(tx, env, referred.id, `${customer.referrals.length} referrers claim this customer`)) ??
      null;
    customer.dispute = dispute;
  }

  const referrer = await lockParticipant(tx, workspaceId, chosen.referral.referrerId);
  if (!referrer) throw new AppError('internal', 'The referrer of a referral is missing.');
  const referrerFacts = await loadReferrerFacts(tx, {
    workspaceId,
    programId: terms.programId,
    referrerId: referrer.id,
    monthStart: monthStart(env.at),
    windowStart: new Date(env.at.getTime() - rules.velocityWindowHours * 3_600_000),
    ...clickKeys(customer, referrer.id),
  });
  const ordinal = referrerFacts.lifetime + 1;
  const exception = activeExceptions({ now: env.at, exceptions: referrerFacts.exceptions.map(exceptionFacts) })[0];
  const policy = policyTerms(terms.policy);
  const reward = computeRewardAmount({ policy, ordinal, conversion, override: exception });
  const context = buildEligibilityContext({
    now: env.at,
    rules,
    chosen,
    referrer,
    referred,
    conversion,
    customer,
    referrerFacts,
  });
  const result = evaluateEligibility(context);

  const id = newId('reward', env.at.getTime());
  const row = await insertRewardIfFree(tx, {
    workspaceId,
    id,
    programId: terms.programId,
    policyVersion: policy.version,
    rulesVersion: rules.version,
    termsVersion: rules.termsVersion,
    referralId: chosen.referral.id,
    referrerId: referrer.id,
    referredId: referred.id,
    conversionId: conversion.id,
    ordinal,
    rewardType: policy.rewardType,
    amount: reward.amount,
    currency: reward.currency,
    summary: reward.summary,
    calculation: reward.calculation,
    status: 'in_review',
    recommendation: result.recommendation,
    fraudScore: result.fraudScore,
    checks: result.checks,
    attribution: {
      referralId: chosen.referral.id,
      source: chosen.referral.source,
      referredAt: chosen.referral.referredAt.toISOString(),
      evidence: chosen.referral.evidence,
      clicks: context.referral.clicks.length,
    },
    createdBy: env.actor.id,
    createdByName: env.actor.name,
    holdUntil: holdUntil(conversion.occurredAt, rules.holdDays),
    createdAt: env.at,
    updatedAt: env.at,
  });
  if (!row) {
    // Lost a race to a concurrent claim for the same customer or conversion: that one stands.
    const winner = await findLiveRewardForReferred(tx, workspaceId, terms.programId, referred.id);
    return winner ? flagDuplicateAttempt(tx, env, winner, conversion) : { outcome: 'already_rewarded', rewardIds: [] };
  }
  await insertFlags(tx, workspaceId, id, result.flags, env.at);
  await recordMakers(
    tx,
    workspaceId,
    id,
    [
      { makerId: personOf(env.actor), makerName: env.actor.name, reason: 'created', round: row.reviewRound },
      // Whoever recorded the referral chose the payee: they may not approve the payout either.
      {
        makerId: chosen.referral.createdBy,
        makerName: chosen.referral.createdByName,
        reason: 'attributed',
        round: row.reviewRound,
      },
    ],
    env.at,
  );
  await recordExceptionMakers(tx, env, row, referrerFacts.exceptions);
  if (dispute?.status === 'open' && !dispute.rewardId) {
    await tx
      .update(disputes)
      .set({ rewardId: id })
      .where(and(eq(disputes.workspaceId, workspaceId), eq(disputes.id, dispute.id)));
  }
  await recordAudit(tx, env.actor, env.at, {
    action: 'reward.created',
    objectType: 'reward',
    objectId: id,
    after: {
      status: 'in_review',
      amount: reward.amount,
      currency: reward.currency,
      calculation: reward.calculation,
      conversionId: conversion.id,
      referralId: chosen.referral.id,
      policyVersion: policy.version,
      rulesVersion: rules.version,
      recommendation: result.recommendation,
      fraudScore: result.fraudScore,
      flags: result.flags.map((flag) => flag.type),
    },
  });
  if (customer.reversals.length > 0) {
    // Refunds of this sale recorded before its claim existed apply now: the end state does not
    // depend on the order events arrived in.
    const last = customer.reversals[customer.reversals.length - 1];
    const trigger = last ? await findConversion(tx, workspaceId, last.id) : undefined;
    if (trigger) await applyReversals(tx, env, conversion, trigger);
  } else if (result.flags.length === 0) {
    await tryAutoApprove(tx, env, row, rules);
  }
  return { outcome: 'reward_created', rewardIds: [id] };
}

async function flagDuplicateAttempt(
  tx: Tx,
  env: ClaimEnv,
  existing: Pick<RewardRow, 'id' | 'status' | 'conversionId'>,
  conversion: ConversionRow,
) {
  if (existing.conversionId === conversion.id)
    return { outcome: 'already_rewarded' as const, rewardIds: [existing.id] };
  if (!isOpen(existing.status)) return { outcome: 'already_rewarded' as const, rewardIds: [existing.id] };
  const raised = await recheckReward(
    tx,
    env,
    existing.id,
    `conversion ${conversion.source}/${conversion.externalId} arrived`,
  );
  return {
    outcome: raised.includes('duplicate_claim') ? ('duplicate_flagged' as const) : ('already_rewarded' as const),
    rewardIds: [existing.id],
  };
}

async function insertFlags(
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
  const conversion = await findConversion(tx, workspaceId, reward.conversionId);
  if (!referrer || !referred || !conversion) throw new AppError('internal', 'A claim lost one of its records.');
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
    excludeRewardId: reward.id,
    ...clickKeys(customer, reward.referrerId),
  });
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
    }),
  );
  await recordExceptionMakers(tx, env, reward, referrerFacts.exceptions);
  const existing = await flagsFor(tx, workspaceId, [reward.id]);
  const fresh = result.flags.filter((flag) => {
    const sameType = existing.filter((row) => row.type === flag.type);
    if (sameType.some((row) => row.resolvedAt === null)) return false;
    return !sameType.some((row) => canonicalJson(row.evidence) === canonicalJson(flag.evidence));
  });
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

/**
 * Auto-approval, when the owner turned it on and `approval.core.ts` agrees: the owner's opt-in
 * under that rules version is the claim's approval record.
 */
export async function tryAutoApprove(tx: Tx, env: ClaimEnv, reward: RewardRow, rules: ProgramRulesTerms) {
  if (!rules.autoApproveEnabled || !rules.autoApproveEnabledBy || rules.autoApproveMaxAmount === null) return false;
  const facts = (await loadApprovalFacts(tx, reward.workspaceId, [reward], () => rules)).get(reward.id);
  if (!facts) return false;
  const flagsEver = (await flagsFor(tx, reward.workspaceId, [reward.id])).length;
  const inForce = rulesTerms(await currentRules(tx, reward.workspaceId, reward.programId));
  const signerActive = await isPersonActive(tx, reward.workspaceId, rules.autoApproveEnabledBy);
  const timing = await attributionTiming(tx, reward);
  const decision = autoApprovalDecision(
    {
      ...facts,
      rules,
      currentRules: inForce,
      signerActive,
      flagsEver,
      attributedAfterSale: timing.attributedAfterSale,
    },
    env.at,
  );
  if (!decision.approve) return false;
  const system = systemActor(reward.workspaceId, `Auto-approval (rules v${rules.version})`);
  const record = {
    kind: 'auto' as const,
    approvers: [{ id: decision.approverId, name: system.name, role: 'owner', at: env.at.toISOString() }],
    rulesVersion: rules.version,
    enabledBy: decision.approverId,
  };
  await tx.insert(rewardApprovals).values({
    workspaceId: reward.workspaceId,
    id: newId('approval', env.at.getTime()),
    rewardId: reward.id,
    approverId: decision.approverId,
    approverName: system.name,
    approverRole: 'owner',
    kind: 'auto',
    rulesVersion: rules.version,
    round: reward.reviewRound,
    note: `Clean claim of ${formatMoney(reward.amount, reward.currency)}, at or under the auto-approval limit of ${formatMoney(rules.autoApproveMaxAmount, rules.currency)}.`,
    createdAt: env.at,
  });
  const row = await transitionReward(
    tx,
    { ...env, actor: { ...system, requestId: env.actor.requestId } },
    reward,
    'approve',
    {
      changes: { approvedAt: env.at, approvalRecord: record },
      audit: { approval: record },
    },
  );
  await notifyRewardReady(tx, env, row);
  return true;
}

export async function notifyRewardReady(tx: Tx, env: ClaimEnv, reward: RewardRow) {
  const workspace = await workspaceRow(tx, reward.workspaceId);
  const referrer = await findParticipant(tx, reward.workspaceId, reward.referrerId);
  if (!referrer) return;
  await queueRewardReady(tx, {
    workspace,
    rewardId: reward.id,
    rewardSummary: reward.summary,
    referrer,
    publicUrl: env.publicUrl,
    actor: env.actor,
    at: env.at,
  });
}

/**
 * Applies the refunds and chargebacks of a conversion to its claims. Fully reversed: an unpaid
 * claim is voided; a paid one is reversed with a clawback (cash-like) or recovery task (gift
 * card, code, credit) for a person. Partly reversed: an unpaid claim is flagged `refunded`; a
 * paid one gets a review task. Idempotent: replaying a refund changes nothing more.
 */
export async function applyReversals(tx: Tx, env: ClaimEnv, original: ConversionRow, trigger: ConversionRow) {
  const workspaceId = env.actor.workspaceId;
  // Concurrent refunds of one sale take turns here, so their total is always seen whole.
  await tx
    .select({ id: conversions.id })
    .from(conversions)
    .where(and(eq(conversions.workspaceId, workspaceId), eq(conversions.id, original.id)))
    .for('update');
  const reversals = await reversalsOf(tx, workspaceId, original.id);
  const refunded = reversals.reduce((sum, row) => sum + row.amount, 0);
  const full = refunded >= original.amount;
  const affected: string[] = [];
  for (const reward of await rewardsForConversion(tx, workspaceId, original.id)) {
    const locked = await lockReward(tx, workspaceId, reward.id);
    if (!locked || inSet('closedUnpaid', locked.status)) continue;
    const what = `${trigger.type} ${trigger.source}/${trigger.externalId} (${formatMoney(refunded, original.currency)} of ${formatMoney(original.amount, original.currency)} reversed)`;
    if (full) {
      const paid = isPaid(locked.status);
      await transitionReward(tx, env, locked, 'reverse', {
        changes: {
          closedAt: env.at,
          closedReason: paid ? `reversed after payment: ${what}` : `voided before payment: ${what}`,
        },
        audit: { reason: what, refundId: trigger.id },
        auditAction: paid ? 'reward.reversed' : 'reward.voided',
      });
      if (paid) {
        await createRecoveryTask(tx, env, locked, trigger, recoveryKindFor(locked.rewardType), locked.amount, what);
      } else {
        await tx
          .update(messages)
          .set({ status: 'cancelled', lastError: 'reward voided by a refund' })
          .where(
            and(eq(messages.workspaceId, workspaceId), eq(messages.rewardId, locked.id), eq(messages.status, 'queued')),
          );
      }
      affected.push(locked.id);
    } else if (isPaid(locked.status)) {
      await createRecoveryTask(
        tx,
        env,
        locked,
        trigger,
        'review',
        0,
        `partial ${what}: decide whether to recover part of the reward`,
      );
      affected.push(locked.id);
    } else {
      await recheckReward(tx, env, locked.id, what);
      affected.push(locked.id);
    }
  }
  return { full, refunded, affected };
}

async function createRecoveryTask(
  tx: Tx,
  env: ClaimEnv,
  reward: RewardRow,
  trigger: ConversionRow,
  kind: 'clawback' | 'recovery' | 'review',
  amount: number,
  reason: string,
) {
  const [task] = await tx
    .insert(recoveryTasks)
    .values({
      workspaceId: reward.workspaceId,
      id: newId('recovery', env.at.getTime()),
      rewardId: reward.id,
      conversionId: trigger.id,
      kind,
      amount,
      currency: reward.currency,
      reason,
      createdAt: env.at,
    })
    .onConflictDoNothing()
    .returning();
  if (task) {
    await recordAudit(tx, env.actor, env.at, {
      action: 'recovery_task.created',
      objectType: 'recovery_task',
      objectId: task.id,
      after: { rewardId: reward.id, kind, amount, currency: reward.currency, reason },
    });
  }
}
