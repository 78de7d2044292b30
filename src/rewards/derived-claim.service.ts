/**
 * What a referrer's claim's fate means for the claims that came with it (derived-claim.core.ts).
 * A refund of the sale or a voided referral reaches them already (they share the sale and the
 * referral). What else can happen to a claim: rejected, or moved to another referrer by a dispute —
 * then the milestone bonus it reached no longer stands for its referrer and is taken back through
 * the one reversal path (voided, or a recovery task once paid); the referred person's own reward
 * stays theirs and follows the referral the claim now pays.
 */
import { and, eq } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { rewards } from '../db/schema.js';
import type { ClaimEnv } from './claim.types.js';
import { inSet } from './lifecycle.core.js';
import { reverseReward } from './refund.service.js';
import { lockReward, type RewardRow } from './reward.repo.js';

async function derivedOf(tx: Tx, trigger: Pick<RewardRow, 'workspaceId' | 'id'>) {
  return tx
    .select({ id: rewards.id, kind: rewards.kind })
    .from(rewards)
    .where(and(eq(rewards.workspaceId, trigger.workspaceId), eq(rewards.sourceRewardId, trigger.id)))
    .orderBy(rewards.createdAt, rewards.id);
}

/** The bonuses a claim reached, taken back: it no longer counts for its referrer. */
export async function withdrawBonusesOf(tx: Tx, env: ClaimEnv, trigger: RewardRow, why: string) {
  const withdrawn: string[] = [];
  for (const derived of await derivedOf(tx, trigger)) {
    if (derived.kind !== 'milestone') continue;
    const bonus = await lockReward(tx, trigger.workspaceId, derived.id);
    if (!bonus || inSet('closedUnpaid', bonus.status)) continue;
    const what = `the claim that reached this milestone (${trigger.id}) ${why}`;
    await reverseReward(tx, env, bonus, {
      what,
      triggerConversionId: bonus.conversionId,
      audit: { reason: what, sourceRewardId: trigger.id },
      cancelledBecause: what,
    });
    withdrawn.push(bonus.id);
  }
  return withdrawn;
}

/** The referred person's own rewards that came with a claim (to follow it to another referral). */
export async function referredRewardsOf(tx: Tx, trigger: Pick<RewardRow, 'workspaceId' | 'id'>) {
  return (await derivedOf(tx, trigger)).filter((row) => row.kind === 'referred').map((row) => row.id);
}
