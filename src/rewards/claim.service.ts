/**
 * The claim engine: turns a qualifying conversion into a reward claim with its amount worked out,
 * its checks run and its flags raised; re-checks a claim when the facts change; applies refunds.
 * Everything here runs inside the caller's transaction, with the referred customer's row locked,
 * so two events about one customer never interleave.
 */
import { and, eq } from 'drizzle-orm';
import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import { disputes } from '../db/schema.js';
import { DISPOSABLE_DOMAINS, evaluateEligibility } from '../eligibility/index.js';
import { lockParticipant, type ParticipantRow } from '../participants/index.js';
import { type PolicyTerms, policyTerms, rulesTerms } from '../policy/index.js';
import { personOf } from '../shared/actor.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { tryAutoApprove } from './auto-approval.service.js';
import {
  type ClaimDecision,
  chooseReferral,
  claimCreatedAudit,
  claimRow,
  decideClaim,
  needsDispute,
  newClaimMakers,
  whyNoClaim,
} from './claim.core.js';
import type { ClaimCreationEnv, ClaimEnv, ClaimOutcome, OpenDispute } from './claim.types.js';
import {
  buildEligibilityContext,
  type ConversionRow,
  type CustomerFacts,
  clickKeys,
  monthStart,
  type ReferralWithReferrer,
  type ReferrerFacts,
} from './claim-context.core.js';
import { findConversion, loadCustomerFacts, loadProgramTerms, loadReferrerFacts } from './claim-context.repo.js';
import { bringsDerivedClaims, deriveClaims, leadRewardRow } from './derived-claim.core.js';
import { isOpen } from './lifecycle.core.js';
import { insertFlags, recheckReward } from './recheck.service.js';
import { applyReversals } from './refund.service.js';
import {
  countedClaimMakers,
  findLiveRewardForReferred,
  insertRewardIfFree,
  milestonesPaidTo,
  type RewardRow,
  recordMakers,
} from './reward.repo.js';
import { taxFactsFor } from './tax-facts.repo.js';

export type { ClaimCreationEnv, ClaimEnv, ClaimOutcome, OpenDispute };

const none = (outcome: ClaimOutcome) => ({ outcome, rewardIds: [] as string[] });

/**
 * Creates the claim for a qualifying conversion, or says why there is none: load the facts,
 * decide in claim.core.ts, write. Takes the referred customer's row lock first and the
 * referrer's second, so two events about one customer never interleave and a referrer's tier
 * ordinals are handed out one at a time.
 */
export async function createClaimForConversion(
  tx: Tx,
  env: ClaimCreationEnv,
  conversion: ConversionRow,
  /** The referred customer's row, when the caller already holds its lock. */
  lockedReferred?: ParticipantRow,
): Promise<{ outcome: ClaimOutcome; rewardIds: string[] }> {
  const workspaceId = env.actor.workspaceId;
  if (!conversion.referredId) return none('awaiting_participant');
  const terms = await loadProgramTerms(tx, workspaceId);
  const rules = rulesTerms(terms.rules);
  const policy = policyTerms(terms.policy);
  const refusal = whyNoClaim({ policy, rules, conversion });
  if (refusal) return none(refusal);

  const referred =
    lockedReferred?.id === conversion.referredId
      ? lockedReferred
      : await lockParticipant(tx, workspaceId, conversion.referredId);
  if (!referred) return none('awaiting_participant');
  const customer = await loadCustomerFacts(tx, {
    workspaceId,
    programId: terms.programId,
    referredId: referred.id,
    conversion,
    qualifyingTypes: rules.qualifyingTypes,
  });
  if (customer.liveReward) return flagDuplicateAttempt(tx, env, customer.liveReward, conversion);
  const chosen = chooseReferral(customer.referrals, customer.dispute);
  if (!chosen) return none('no_referral');
  if (needsDispute(customer)) {
    const reason = `${customer.referrals.length} referrers claim this customer`;
    customer.dispute = (await env.openDispute(tx, env, referred.id, reason)) ?? null;
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
  const decision = decideClaim({
    now: env.at,
    policy,
    rules,
    chosen,
    referrer,
    referred,
    conversion,
    customer,
    referrerFacts,
    disposableDomains: DISPOSABLE_DOMAINS,
  });
  const triggerRow = claimRow({
    id: newId('reward', env.at.getTime()),
    workspaceId,
    programId: terms.programId,
    policy,
    rules,
    chosen,
    referrerId: referrer.id,
    referredId: referred.id,
    conversionId: conversion.id,
    decision,
    actor: env.actor,
    at: env.at,
  });
  const row = await insertRewardIfFree(tx, triggerRow);
  if (!row) {
    // Lost a race to a concurrent claim for the same customer or conversion: that one stands.
    const winner = await findLiveRewardForReferred(tx, workspaceId, terms.programId, referred.id);
    return winner ? flagDuplicateAttempt(tx, env, winner, conversion) : none('already_rewarded');
  }
  await recordNewClaim(tx, env, row, {
    decision,
    chosen,
    referrerFacts,
    dispute: customer.dispute,
    conversionId: conversion.id,
  });
  const made = [{ row, flagged: decision.result.flags.length > 0 }];
  if (bringsDerivedClaims(policy)) {
    const year = monthStart(env.at).getUTCFullYear();
    const derived = deriveClaims({
      policy,
      trigger: triggerRow,
      decision,
      judge: {
        now: env.at,
        rules,
        chosen,
        referrer,
        referred,
        conversion,
        customer,
        referrerFacts,
        disposableDomains: DISPOSABLE_DOMAINS,
      },
      milestonesPaid: policy.milestones?.length
        ? await milestonesPaidTo(tx, workspaceId, terms.programId, referrer.id)
        : new Set(),
      referredTax: policy.referredReward
        ? (await taxFactsFor(tx, workspaceId, [referred.id], [year])).get(`${referred.id}:${year}`)
        : undefined,
      newId: () => newId('reward', env.at.getTime()),
    });
    for (const claim of derived) {
      // A bonus or referred reward already live (a race, a replay) stands; this one is not made.
      const written = await insertRewardIfFree(tx, claim.row);
      if (!written) continue;
      await recordNewClaim(tx, env, written, {
        decision: { ...decision, result: claim.result },
        chosen,
        referrerFacts,
        dispute: null,
        conversionId: conversion.id,
      });
      if (claim.kind === 'milestone') {
        // Whoever made the claims the milestone counts built its count: makers of the bonus too.
        const counted = await countedClaimMakers(tx, workspaceId, terms.programId, referrer.id);
        await recordMakers(
          tx,
          workspaceId,
          written.id,
          counted.map((m) => ({
            makerId: m.maker_id,
            makerName: m.maker_name,
            reason: m.reason,
            round: written.reviewRound,
            detail: 'a claim this milestone counts',
          })),
          env.at,
        );
      }
      made.push({ row: written, flagged: claim.result.flags.length > 0 });
    }
  }
  if (customer.reversals.length > 0) {
    // Refunds of this sale recorded before its claim existed apply now: the end state does not
    // depend on the order events arrived in.
    const last = customer.reversals[customer.reversals.length - 1];
    const trigger = last ? await findConversion(tx, workspaceId, last.id) : undefined;
    if (trigger) await applyReversals(tx, env, conversion, trigger);
  } else {
    for (const claim of made) if (!claim.flagged) await tryAutoApprove(tx, env, claim.row, rules);
  }
  return { outcome: 'reward_created', rewardIds: made.map((claim) => claim.row.id) };
}

const paysAtTheLead = (policy: PolicyTerms) => policy.referredReward?.when === 'lead' && policy.rewardType !== 'none';

/** Whether recording a referral makes a claim now (imports ask once, not per row). */
export async function rewardsTheLead(tx: Tx, workspaceId: string): Promise<boolean> {
  return paysAtTheLead(policyTerms((await loadProgramTerms(tx, workspaceId)).policy));
}

/**
 * A double-sided program paying the referred person at the lead: once a referral is recorded,
 * their own reward claim, judged on the lead (claim-context with no sale), with its flags, makers
 * and audit like any claim, and auto-approved only as any clean claim is. One per person and
 * program (a second referrer's lead finds it made: the unique index keeps the first).
 */
export async function createLeadReward(
  tx: Tx,
  env: ClaimEnv,
  referral: { id: string; referredId: string },
): Promise<string | null> {
  const workspaceId = env.actor.workspaceId;
  const terms = await loadProgramTerms(tx, workspaceId);
  const policy = policyTerms(terms.policy);
  const reward = policy.referredReward;
  if (!paysAtTheLead(policy) || !reward) return null;
  const rules = rulesTerms(terms.rules);
  const referred = await lockParticipant(tx, workspaceId, referral.referredId);
  if (!referred) return null;
  const customer = await loadCustomerFacts(tx, {
    workspaceId,
    programId: terms.programId,
    referredId: referred.id,
    conversion: null,
    qualifyingTypes: rules.qualifyingTypes,
  });
  const chosen = customer.referrals.find((row) => row.referral.id === referral.id);
  if (!chosen) return null;
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
  // Their own year for the tax check: the referred person is the payee.
  const year = monthStart(env.at).getUTCFullYear();
  const tax = (await taxFactsFor(tx, workspaceId, [referred.id], [year])).get(`${referred.id}:${year}`);
  const result = evaluateEligibility(
    buildEligibilityContext({
      now: env.at,
      rules,
      chosen,
      referrer,
      referred,
      conversion: null,
      customer,
      referrerFacts: { ...referrerFacts, tax },
      disposableDomains: DISPOSABLE_DOMAINS,
      claim: { amount: reward.amount, currency: policy.currency, rewardType: reward.rewardType },
    }),
  );
  const row = await insertRewardIfFree(
    tx,
    leadRewardRow({
      id: newId('reward', env.at.getTime()),
      workspaceId,
      programId: terms.programId,
      policy,
      rules,
      chosen,
      result,
      clicks: customer.clicks.length,
      actor: env.actor,
      at: env.at,
    }),
  );
  if (!row) return null;
  const decision: ClaimDecision = {
    ordinal: 1,
    reward: { amount: row.amount, currency: row.currency, summary: row.summary, calculation: row.calculation },
    result,
    clicks: customer.clicks.length,
    holdUntil: row.holdUntil,
  };
  await recordNewClaim(tx, env, row, { decision, chosen, referrerFacts, dispute: null, conversionId: null });
  if (result.flags.length === 0) await tryAutoApprove(tx, env, row, rules);
  return row.id;
}

/**
 * What a new claim leaves beside its row: its flags, its makers (the creator; whoever recorded
 * the referral, who chose the payee; the authors of partner exceptions in force), its link to
 * an open dispute, and the audit event.
 */
async function recordNewClaim(
  tx: Tx,
  env: ClaimEnv,
  row: RewardRow,
  facts: {
    decision: ClaimDecision;
    chosen: ReferralWithReferrer;
    referrerFacts: ReferrerFacts;
    dispute: CustomerFacts['dispute'];
    conversionId: string | null;
  },
) {
  const { decision, chosen, dispute } = facts;
  await insertFlags(tx, row.workspaceId, row.id, decision.result.flags, env.at);
  await recordMakers(
    tx,
    row.workspaceId,
    row.id,
    newClaimMakers({
      creator: { id: personOf(env.actor), name: env.actor.name },
      chosen,
      exceptions: facts.referrerFacts.exceptions,
      round: row.reviewRound,
      at: env.at,
    }),
    env.at,
  );
  if (dispute?.status === 'open' && !dispute.rewardId) {
    await tx
      .update(disputes)
      .set({ rewardId: row.id })
      .where(and(eq(disputes.workspaceId, row.workspaceId), eq(disputes.id, dispute.id)));
  }
  await recordAudit(
    tx,
    env.actor,
    env.at,
    claimCreatedAudit({ row, decision, conversionId: facts.conversionId, referralId: chosen.referral.id }),
  );
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
