/**
 * Refunds and chargebacks applied to the claims of a sale: voided before payment, reversed with a
 * clawback or recovery task after it, flagged for a person when partial.
 */
import { and, desc, eq, gt, sql } from 'drizzle-orm';
import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import { conversions, messages, recoveryTasks, rewards } from '../db/schema.js';
import { newId } from '../shared/ids.js';
import { saleReversal } from './claim.core.js';
import type { ClaimEnv } from './claim.types.js';
import { type ConversionRow, reversalsOf } from './claim-context.repo.js';
import { inSet, isPaid, recoveryKindFor } from './lifecycle.core.js';
import { recheckReward } from './recheck.service.js';
import { lockReward, type RewardRow, rewardsForConversion, statusIn } from './reward.repo.js';
import { takeBackPaid, transitionReward } from './transition.service.js';

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
  const { full, what } = saleReversal(original, trigger, refunded);
  const affected: string[] = [];
  for (const reward of await rewardsForConversion(tx, workspaceId, original.id)) {
    const locked = await lockReward(tx, workspaceId, reward.id);
    if (!locked || inSet('closedUnpaid', locked.status)) continue;
    if (full) {
      await reverseReward(tx, env, locked, {
        what,
        triggerConversionId: trigger.id,
        audit: { reason: what, refundId: trigger.id },
        cancelledBecause: 'reward voided by a refund',
      });
      affected.push(locked.id);
    } else if (isPaid(locked.status)) {
      await createRecoveryTask(
        tx,
        env,
        locked,
        trigger.id,
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

/**
 * Takes a reward back in full, the one path for a refund and for a voided referral: unpaid, it is
 * voided and its queued messages cancelled; paid, it is reversed and whatever an effect did not
 * take back (a credit not yet redeemed) becomes a clawback or recovery task for a person.
 */
export async function reverseReward(
  tx: Tx,
  env: ClaimEnv,
  locked: RewardRow,
  input: {
    what: string;
    /** The event the recovery task answers (a refund), or the reward's own sale for a correction (none for a lead reward). */
    triggerConversionId: string | null;
    audit: Record<string, unknown>;
    cancelledBecause: string;
  },
) {
  const paid = isPaid(locked.status);
  await transitionReward(tx, env, locked, 'reverse', {
    changes: {
      closedAt: env.at,
      closedReason: paid ? `reversed after payment: ${input.what}` : `voided before payment: ${input.what}`,
    },
    audit: input.audit,
    auditAction: paid ? 'reward.reversed' : 'reward.voided',
  });
  if (paid) {
    const owed = locked.amount - (await takeBackPaid(tx, env, locked));
    if (owed > 0) {
      await createRecoveryTask(
        tx,
        env,
        locked,
        input.triggerConversionId,
        recoveryKindFor(locked.rewardType),
        owed,
        input.what,
      );
    }
  } else {
    await tx
      .update(messages)
      .set({ status: 'cancelled', lastError: input.cancelledBecause })
      .where(
        and(
          eq(messages.workspaceId, locked.workspaceId),
          eq(messages.rewardId, locked.id),
          eq(messages.status, 'queued'),
        ),
      );
  }
  if (locked.kind === 'referral') await withdrawUnearnedBonuses(tx, env, locked, `${locked.id} was reversed`);
  return { paid };
}

/**
 * A referrer's claim left their count (reversed, rejected, moved to another referrer): each live
 * milestone bonus the count no longer reaches is taken back the same way (voided, or a recovery
 * task once paid). Whichever claim reached it, a bonus stands only while enough claims do.
 */
export async function withdrawUnearnedBonuses(
  tx: Tx,
  env: ClaimEnv,
  of: Pick<RewardRow, 'workspaceId' | 'programId' | 'referrerId'>,
  why: string,
) {
  const [count] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(rewards)
    .where(
      and(
        eq(rewards.workspaceId, of.workspaceId),
        eq(rewards.programId, of.programId),
        eq(rewards.referrerId, of.referrerId),
        eq(rewards.kind, 'referral'),
        statusIn('countsTowardTier'),
      ),
    );
  const reached = Number(count?.n ?? 0);
  const bonuses = await tx
    .select({ id: rewards.id })
    .from(rewards)
    .where(
      and(
        eq(rewards.workspaceId, of.workspaceId),
        eq(rewards.programId, of.programId),
        eq(rewards.referrerId, of.referrerId),
        eq(rewards.kind, 'milestone'),
        gt(rewards.milestone, reached),
        statusIn('live'),
      ),
    )
    .orderBy(desc(rewards.milestone));
  const withdrawn: string[] = [];
  for (const { id } of bonuses) {
    const bonus = await lockReward(tx, of.workspaceId, id);
    if (!bonus || inSet('closedUnpaid', bonus.status)) continue;
    const what = `the referrer's converted referrals fell to ${reached}, below this milestone (${bonus.milestone}): ${why}`;
    await reverseReward(tx, env, bonus, {
      what,
      triggerConversionId: bonus.conversionId,
      audit: { reason: what, convertedReferrals: reached },
      cancelledBecause: what,
    });
    withdrawn.push(id);
  }
  return withdrawn;
}

/**
 * Opens a clawback, recovery or review task for a person (finance sees it in GET
 * /v1/recovery-tasks), at most one for a reward and the event it answers.
 */
export async function createRecoveryTask(
  tx: Tx,
  env: Pick<ClaimEnv, 'actor' | 'at'>,
  reward: RewardRow,
  triggerConversionId: string | null,
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
      conversionId: triggerConversionId,
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
