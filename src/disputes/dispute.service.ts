import { and, desc, eq, isNull, lt, or, type SQL } from 'drizzle-orm';
import { recordAudit } from '../audit/index.js';
import type { Executor, Tx } from '../db/client.js';
import { disputes, linkClicks, rewardFlags } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { findParticipant, lockParticipant } from '../participants/index.js';
import { getDefaultProgram } from '../policy/index.js';
import {
  assertMayClearFlags,
  type ClaimEnv,
  canRevise,
  changePayee,
  findLiveRewardForReferred,
  findReward,
  isPaid,
  latestDispute,
  lockReward,
  recheckReward,
  referralsOfCustomer,
} from '../rewards/index.js';
import { type Actor, personOf } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { decodeCursor, toPage } from '../shared/pagination.js';
import { enqueueWebhookEvent } from '../webhooks/index.js';
import type { Dispute } from './dispute.schema.js';

type DisputeRow = typeof disputes.$inferSelect;

async function presentDispute(db: Executor, row: DisputeRow): Promise<Dispute> {
  const referred = await findParticipant(db, row.workspaceId, row.referredId);
  const competing = await referralsOfCustomer(db, row.workspaceId, row.referredId);
  const clicks = await db
    .select()
    .from(linkClicks)
    .where(and(eq(linkClicks.workspaceId, row.workspaceId), eq(linkClicks.referredId, row.referredId)));
  const reward = row.rewardId ? await findReward(db, row.workspaceId, row.rewardId) : undefined;
  return {
    id: row.id,
    status: row.status,
    referred: { id: row.referredId, name: referred?.name ?? row.referredId },
    rewardId: row.rewardId,
    reason: row.reason,
    openedBy: row.openedByName,
    competing: competing.map((item) => ({
      referralId: item.referral.id,
      referrer: { id: item.referral.referrerId, name: item.referrerName, kind: item.referrerKind },
      source: item.referral.source,
      referredAt: item.referral.referredAt.toISOString(),
      recordedBy: item.referral.createdByName,
      evidence: item.referral.evidence as Record<string, unknown>,
      clicks: clicks
        .filter((click) => click.referrerId === item.referral.referrerId)
        .map((click) => ({
          id: click.id,
          ip: click.ip,
          deviceId: click.deviceId,
          userAgent: click.userAgent,
          landedAt: click.landedAt.toISOString(),
        })),
      isWinner: row.winningReferralId === item.referral.id,
      isPayee: reward?.referralId === item.referral.id,
    })),
    winningReferralId: row.winningReferralId,
    resolution: row.resolution,
    resolvedBy: row.resolvedByName,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Opens an attribution dispute for a referred customer, or answers the one already open. */
export async function openDispute(tx: Tx, env: ClaimEnv, referredId: string, reason: string) {
  const [row] = await tx
    .insert(disputes)
    .values({
      workspaceId: env.actor.workspaceId,
      id: newId('dispute', env.at.getTime()),
      referredId,
      status: 'open',
      openedBy: env.actor.id,
      openedByName: env.actor.name,
      reason,
      createdAt: env.at,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return latestDispute(tx, env.actor.workspaceId, referredId);
  await recordAudit(tx, env.actor, env.at, {
    action: 'dispute.opened',
    objectType: 'dispute',
    objectId: row.id,
    after: { referredId, reason },
  });
  await enqueueWebhookEvent(tx, { workspaceId: row.workspaceId, type: 'dispute.opened', objectId: row.id, at: env.at });
  return row;
}

export async function listDisputes(
  deps: Deps,
  actor: Actor,
  query: { limit: number; cursor?: string | undefined; status?: 'open' | 'resolved' | undefined },
) {
  const conditions: SQL[] = [eq(disputes.workspaceId, actor.workspaceId)];
  if (query.status) conditions.push(eq(disputes.status, query.status));
  const after = decodeCursor(query.cursor);
  if (after) {
    const older = or(
      lt(disputes.createdAt, after.createdAt),
      and(eq(disputes.createdAt, after.createdAt), lt(disputes.id, after.id)),
    );
    if (older) conditions.push(older);
  }
  const rows = await deps.db
    .select()
    .from(disputes)
    .where(and(...conditions))
    .orderBy(desc(disputes.createdAt), desc(disputes.id))
    .limit(query.limit + 1);
  const items = [];
  for (const row of rows.slice(0, query.limit)) items.push(await presentDispute(deps.db, row));
  const page = toPage(rows, query.limit, (row) => row.id);
  return { items, nextCursor: page.nextCursor };
}

async function getDisputeRow(db: Executor, workspaceId: string, id: string, lock = false) {
  const query = db
    .select()
    .from(disputes)
    .where(and(eq(disputes.workspaceId, workspaceId), eq(disputes.id, id)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw notFound('Dispute');
  return row;
}

export async function getDispute(deps: Deps, actor: Actor, id: string) {
  return presentDispute(deps.db, await getDisputeRow(deps.db, actor.workspaceId, id));
}

/** Staff open a case when someone contests who referred a customer, even with one referral on file. */
export async function openDisputeByHand(deps: Deps, actor: Actor, input: { referredId: string; reason: string }) {
  const at = deps.clock.now();
  const env: ClaimEnv = { actor, at, publicUrl: deps.publicUrl };
  const id = await inTransaction(deps.db, async (tx) => {
    // The customer's row lock first, as the claim engine takes it: a claim and a dispute about
    // one customer are never decided at the same time.
    const referred = await lockParticipant(tx, actor.workspaceId, input.referredId);
    if (!referred) throw notFound('Participant', 'referredId');
    const [open] = await tx
      .select()
      .from(disputes)
      .where(
        and(
          eq(disputes.workspaceId, actor.workspaceId),
          eq(disputes.referredId, referred.id),
          eq(disputes.status, 'open'),
        ),
      );
    if (open)
      throw new AppError('already_exists', `Dispute ${open.id} about ${referred.name} is already open.`, {
        field: 'referredId',
      });
    const program = await getDefaultProgram(tx, actor.workspaceId);
    const claim = await findLiveRewardForReferred(tx, actor.workspaceId, program.id, referred.id);
    const dispute = await openDispute(tx, env, referred.id, input.reason);
    if (!dispute) throw new AppError('internal', 'Could not open the dispute.');
    if (claim) {
      await tx
        .update(disputes)
        .set({ rewardId: claim.id })
        .where(and(eq(disputes.workspaceId, actor.workspaceId), eq(disputes.id, dispute.id)));
      await recheckReward(tx, env, claim.id, `dispute opened: ${input.reason}`);
    }
    return dispute.id;
  });
  return getDispute(deps, actor, id);
}

/**
 * Decides a dispute: who wins, why, by whom. The attribution flags it settles are resolved with
 * that decision; the claim moves to the winner if needed (its amount worked out again for them)
 * and is checked again. The person who decides may not approve the claim afterwards if they
 * changed its payee (maker-checker).
 */
export async function resolveDispute(
  deps: Deps,
  actor: Actor,
  id: string,
  input: { winningReferralId: string; reason: string },
) {
  const at = deps.clock.now();
  const env: ClaimEnv = { actor, at, publicUrl: deps.publicUrl };
  await inTransaction(deps.db, async (tx) => {
    const found = await getDisputeRow(tx, actor.workspaceId, id);
    await lockParticipant(tx, actor.workspaceId, found.referredId);
    const dispute = await getDisputeRow(tx, actor.workspaceId, id, true);
    if (dispute.status !== 'open') {
      throw new AppError(
        'invalid_transition',
        `This dispute was already resolved by ${dispute.resolvedByName}: ${dispute.resolution}`,
      );
    }
    const referrals = await referralsOfCustomer(tx, actor.workspaceId, dispute.referredId);
    const winner = referrals.find((row) => row.referral.id === input.winningReferralId);
    if (!winner) {
      throw new AppError(
        'unprocessable',
        'The winning referral must be one of the competing referrals of this customer.',
        {
          field: 'winningReferralId',
        },
      );
    }
    // Whoever recorded one of the competing referrals has a side in the dispute.
    const own = referrals.find((row) => row.referral.createdBy === personOf(actor));
    if (own) {
      throw new AppError(
        'maker_checker',
        `You recorded one of the competing referrals (${own.referrerName}), so someone else must decide this dispute.`,
        { details: { referralId: own.referral.id } },
      );
    }
    const program = await getDefaultProgram(tx, actor.workspaceId);
    const claim = await findLiveRewardForReferred(tx, actor.workspaceId, program.id, dispute.referredId);
    if (claim) {
      const locked = await lockReward(tx, actor.workspaceId, claim.id);
      // Deciding the dispute clears the claim's attribution flags: a maker of the claim (who
      // recorded a competing referral, say) may not decide it.
      if (locked) await assertMayClearFlags(tx, actor, locked, at);
      const paid = locked && isPaid(locked.status);
      if (paid && locked.referralId !== winner.referral.id) {
        throw new AppError(
          'invalid_transition',
          'The reward was already sent to another referrer; reverse it (refund event) before giving the credit to someone else.',
        );
      }
      // A failed fulfilment keeps its approved payee for the retry: deciding for someone else now
      // would leave the loser to be paid by "retry".
      if (locked?.status === 'failed' && locked.referralId !== winner.referral.id) {
        throw new AppError(
          'invalid_transition',
          'The fulfilment of this reward failed and marking it sent would still pay its current referrer, so its payee cannot change now: reverse it first, or decide for its current referrer.',
          { details: { rewardId: locked.id, currentStatus: locked.status } },
        );
      }
    }
    await tx
      .update(disputes)
      .set({
        status: 'resolved',
        winningReferralId: winner.referral.id,
        resolution: input.reason,
        resolvedBy: actor.id,
        resolvedByName: actor.name,
        resolvedAt: at,
        rewardId: claim?.id ?? dispute.rewardId,
      })
      .where(and(eq(disputes.workspaceId, actor.workspaceId), eq(disputes.id, dispute.id)));
    await recordAudit(tx, actor, at, {
      action: 'dispute.resolved',
      objectType: 'dispute',
      objectId: dispute.id,
      before: { status: 'open' },
      after: {
        status: 'resolved',
        winningReferralId: winner.referral.id,
        winner: winner.referrerName,
        reason: input.reason,
      },
    });
    await enqueueWebhookEvent(tx, {
      workspaceId: actor.workspaceId,
      type: 'dispute.resolved',
      objectId: dispute.id,
      at,
    });
    if (!claim) return;
    const decision = `Dispute ${dispute.id} resolved: ${winner.referrerName} wins — ${input.reason}`;
    const open = await tx
      .select()
      .from(rewardFlags)
      .where(
        and(
          eq(rewardFlags.workspaceId, actor.workspaceId),
          eq(rewardFlags.rewardId, claim.id),
          isNull(rewardFlags.resolvedAt),
        ),
      );
    for (const flag of open) {
      const settles =
        flag.type === 'disputed_attribution' ||
        (flag.type === 'duplicate_claim' &&
          ((flag.evidence.duplicateAttempts as unknown[] | undefined)?.length ?? 0) === 0);
      if (!settles) continue;
      await tx
        .update(rewardFlags)
        .set({ resolvedAt: at, resolvedBy: actor.id, resolvedByName: actor.name, resolution: decision })
        .where(and(eq(rewardFlags.workspaceId, actor.workspaceId), eq(rewardFlags.id, flag.id)));
      await recordAudit(tx, actor, at, {
        action: 'flag.resolved',
        objectType: 'reward',
        objectId: claim.id,
        after: { flagId: flag.id, type: flag.type, resolved: true, reason: decision },
      });
    }
    const current = await lockReward(tx, actor.workspaceId, claim.id);
    // Only an open claim follows the decision; a rejected or declined one stays as it was decided.
    if (current && canRevise(current.status)) {
      if (current.referralId !== winner.referral.id) await changePayee(tx, env, current, winner.referral.id, decision);
      await recheckReward(tx, env, claim.id, decision);
    }
  });
  return getDispute(deps, actor, id);
}
