import { and, eq, isNull } from 'drizzle-orm';
import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import { disputes, rewardApprovals, rewardFlags, workspaces } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { queueReferrerMessages } from '../messaging/index.js';
import { findParticipant } from '../participants/index.js';
import { currentPolicy, rulesTerms, rulesVersion } from '../policy/index.js';
import { type Actor, personOf } from '../shared/actor.js';
import { formatMoney } from '../shared/currency.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { decodeCursor, toPage } from '../shared/pagination.js';
import { approvalBlockers, approvalComplete, approvalNeedsNote, makerConflict } from './approval.core.js';
import { notifyRewardReady } from './auto-approval.service.js';
import type { ClaimEnv } from './claim.types.js';
import {
  canRevise,
  nextStatus,
  REWARD_STATUSES,
  type RewardAction,
  type RewardStatus,
  transitionError,
} from './lifecycle.core.js';
import { changePayee } from './payee.service.js';
import { openPayoutBatchOf } from './payout-hold.repo.js';
import { recheckReward, reviseClaim } from './recheck.service.js';
import { withdrawUnearnedBonuses } from './refund.service.js';
import { presentRewardDetail, presentRewards } from './reward.presenter.js';
import {
  approvalsFor,
  listRewardRows,
  loadApprovalFacts,
  lockReward,
  openFlagsFor,
  type RewardListFilter,
  type RewardRow,
  rewardRowsByIds,
  updateRewardFrom,
} from './reward.repo.js';
import type { Reward } from './reward.schema.js';
import { statusCountsFromRollups } from './rollup.repo.js';
import { taxFormOf } from './tax-facts.repo.js';
import { transitionReward } from './transition.service.js';

/**
 * What a message says the referrer gets: the summary, and a discount code's code when it has one
 * (so the default thank-you carries it; custom templates can place {{code}} themselves).
 */
export function summaryWithCode(reward: Pick<RewardRow, 'summary' | 'discountCode'>): string {
  return reward.discountCode ? `${reward.summary} (code ${reward.discountCode})` : reward.summary;
}

/** Locks the claim for an action; a missing claim is a 404. */
async function lockOrThrow(tx: Tx, actor: Actor, id: string) {
  const reward = await lockReward(tx, actor.workspaceId, id);
  if (!reward) throw notFound('Reward');
  return reward;
}

function appendNote(existing: string | null, actor: Actor, at: Date, note: string | undefined): string | null {
  if (!note) return existing;
  const line = `${at.toISOString().slice(0, 16).replace('T', ' ')} ${actor.name}: ${note}`;
  const next = existing ? `${existing}\n${line}` : line;
  return next.length > 20_000 ? next.slice(next.length - 20_000) : next;
}

async function detail(deps: Deps, actor: Actor, id: string) {
  const [row] = await rewardRowsByIds(deps.db, actor.workspaceId, [id]);
  if (!row) throw notFound('Reward');
  return presentRewardDetail(deps.db, actor.workspaceId, row, deps.clock.now());
}

export async function getReward(deps: Deps, actor: Actor, id: string) {
  return detail(deps, actor, id);
}

export async function listRewards(
  deps: Deps,
  actor: Actor,
  query: { limit: number; cursor?: string | undefined } & RewardListFilter,
  oldestFirst = false,
) {
  const rows = await listRewardRows(
    deps.db,
    actor.workspaceId,
    {
      status: query.status,
      referrerId: query.referrerId,
      referredId: query.referredId,
      participantId: query.participantId,
    },
    { limit: query.limit, after: decodeCursor(query.cursor), oldestFirst },
  );
  const page = rows.slice(0, query.limit);
  const presented = await presentRewards(deps.db, actor.workspaceId, page);
  const byId = new Map(presented.map((reward) => [reward.id, reward]));
  return toPage(
    rows.map((row) => ({ ...row, createdAt: row.reward.createdAt, id: row.reward.id })),
    query.limit,
    (row) => byId.get(row.id) as Reward,
  );
}

/**
 * Clearing a flag is part of the check: whoever made the claim what it is (approval.core.ts
 * makers) may not do it, by hand or by deciding a dispute.
 */
export async function assertMayClearFlags(tx: Tx, actor: Actor, reward: RewardRow, at: Date) {
  const facts = (
    await loadApprovalFacts(tx, actor.workspaceId, [reward], () => ({
      twoApproversAbove: null,
      currency: reward.currency,
    }))
  ).get(reward.id);
  const maker = facts ? makerConflict(facts, personOf(actor), at) : null;
  if (maker) {
    throw new AppError(
      'maker_checker',
      `You are one of this claim's makers (${maker.reason.replaceAll('_', ' ')}), so someone else must resolve its flags.`,
      { details: { reason: maker.reason } },
    );
  }
}

/** The rules version a claim was judged under, as terms. */
async function rulesOf(tx: Tx, reward: RewardRow) {
  const rulesRow = await rulesVersion(tx, reward.workspaceId, reward.programId, reward.rulesVersion);
  if (!rulesRow) throw new AppError('internal', 'The rules version of a claim is missing.');
  return rulesTerms(rulesRow);
}

/**
 * Approval, as `approval.core.ts` decides it: a claim in review, every flag resolved, the hold
 * over, by someone who is not one of its makers. Above the two-approver threshold it takes two
 * different people in the same review round; the first approval is recorded and the claim waits.
 */
export async function approveReward(
  deps: Deps,
  actor: Actor,
  id: string,
  input: { note?: string | undefined; reviewRound?: number | undefined },
) {
  const at = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    const reward = await lockOrThrow(tx, actor, id);
    if (input.reviewRound !== undefined && input.reviewRound !== reward.reviewRound) {
      throw new AppError(
        'stale_review',
        `This claim changed since you looked at it (now ${formatMoney(reward.amount, reward.currency)}, review round ${reward.reviewRound}): look again before approving.`,
        { field: 'reviewRound', details: { reviewRound: reward.reviewRound, amount: reward.amount } },
      );
    }
    const rules = await rulesOf(tx, reward);
    const facts = (await loadApprovalFacts(tx, actor.workspaceId, [reward], () => rules)).get(reward.id);
    if (!facts) throw new Error('approval facts missing');
    // Maker-checker compares people, not credentials: a key someone minted is them.
    const person = personOf(actor);
    const [blocker] = approvalBlockers(facts, person, at);
    if (blocker?.code === 'invalid_transition') throw transitionError(reward.status, 'approve');
    if (blocker) throw new AppError(blocker.code, blocker.message, { details: blocker.details });
    if (approvalNeedsNote(facts) && !input.note) {
      throw new AppError(
        'unprocessable',
        'The checks found this claim ineligible; approving it needs a note saying why.',
        {
          field: 'note',
        },
      );
    }
    await tx.insert(rewardApprovals).values({
      workspaceId: actor.workspaceId,
      id: newId('approval', at.getTime()),
      rewardId: id,
      approverId: person,
      approverName: actor.name,
      approverRole: actor.role,
      kind: 'manual',
      rulesVersion: reward.rulesVersion,
      round: reward.reviewRound,
      note: input.note ?? null,
      createdAt: at,
    });
    const { count, required } = approvalComplete(facts, person);
    if (count < required) {
      await recordAudit(tx, actor, at, {
        action: 'reward.approval_recorded',
        objectType: 'reward',
        objectId: id,
        after: { approvals: count, required, round: reward.reviewRound, note: input.note ?? null },
      });
      return;
    }
    const approvals = (await approvalsFor(tx, actor.workspaceId, [id])).filter(
      (row) => row.round === reward.reviewRound,
    );
    const record = {
      kind: 'manual' as const,
      approvers: approvals.map((row) => ({
        id: row.approverId,
        name: row.approverName,
        role: row.approverRole,
        at: row.createdAt.toISOString(),
      })),
      rulesVersion: reward.rulesVersion,
    };
    const row = await transitionReward(tx, { actor, at }, reward, 'approve', {
      changes: { approvedAt: at, approvalRecord: record, notes: appendNote(reward.notes, actor, at, input.note) },
      audit: { approvers: record.approvers.map((a) => a.name), round: reward.reviewRound },
    });
    await notifyRewardReady(tx, { actor, at, publicUrl: deps.publicUrl }, row);
  });
  return detail(deps, actor, id);
}

/**
 * The ways a claim closes with a reason — rejected in review, declined by the referrer, failed
 * fulfilment — as one table: what each records on the claim.
 */
const CLOSINGS = {
  reject: (_reward: RewardRow, _actor: Actor, at: Date, reason: string) => ({ closedAt: at, closedReason: reason }),
  decline: (_reward: RewardRow, _actor: Actor, at: Date, reason: string) => ({ closedAt: at, closedReason: reason }),
  mark_failed: (reward: RewardRow, actor: Actor, at: Date, reason: string) => ({
    notes: appendNote(reward.notes, actor, at, `Fulfilment failed: ${reason}`),
  }),
} satisfies Partial<Record<RewardAction, (...args: [RewardRow, Actor, Date, string]) => Partial<RewardRow>>>;

export async function closeReward(
  deps: Deps,
  actor: Actor,
  id: string,
  action: keyof typeof CLOSINGS,
  input: { reason: string },
) {
  const at = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    const reward = await lockOrThrow(tx, actor, id);
    await transitionReward(tx, { actor, at }, reward, action, {
      changes: CLOSINGS[action](reward, actor, at, input.reason),
      audit: { reason: input.reason },
    });
    // A rejected claim no longer counts toward its referrer's milestones (a declined one does:
    // the referral converted, the referrer only turned the reward down).
    if (action === 'reject' && reward.kind === 'referral') {
      const env = { actor, at, publicUrl: deps.publicUrl };
      await withdrawUnearnedBonuses(tx, env, reward, `${reward.id} was rejected: ${input.reason}`);
    }
  });
  return detail(deps, actor, id);
}

/**
 * Marks an approved reward sent (fulfilled outside Rewardloop) and, with auto-thank on, queues the
 * thank-you in the same transaction: one outbox message per channel, or a skipped record with
 * its reason. The policy in force now decides the thank-you; the claim keeps its own amount.
 */
export async function markRewardSent(
  deps: Deps,
  actor: Actor,
  id: string,
  input: { note?: string | undefined; reference?: string | undefined },
) {
  const at = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    const reward = await lockOrThrow(tx, actor, id);
    const batch = await openPayoutBatchOf(tx, actor.workspaceId, id);
    if (batch) {
      throw new AppError(
        'invalid_transition',
        `This reward is in payout batch ${batch.batchId} (${batch.status}), which pays it: mark the batch paid, or cancel the batch to pay it alone.`,
        { details: { payoutBatchId: batch.batchId } },
      );
    }
    await sendLockedReward(tx, { actor, at, publicUrl: deps.publicUrl }, reward, input);
  });
  return detail(deps, actor, id);
}

/**
 * Marks a locked, approved (or failed) claim sent and queues what follows, as by hand: the one
 * place a claim becomes sent, whoever fulfilled it (a person, or a provider's executed order).
 */
export async function sendLockedReward(
  tx: Tx,
  env: ClaimEnv,
  reward: RewardRow,
  input: { note?: string | undefined; reference?: string | undefined },
) {
  const { actor, at } = env;
  if (!nextStatus(reward.status, 'mark_sent')) throw transitionError(reward.status, 'mark_sent');
  const open = await openFlagsFor(tx, actor.workspaceId, reward.id);
  if (open.length > 0) {
    throw new AppError(
      'flags_unresolved',
      `Resolve the open flag(s) first: ${open.map((flag) => flag.type).join(', ')}.`,
    );
  }
  const row = await transitionReward(tx, { actor, at }, reward, 'mark_sent', {
    changes: {
      sentAt: at,
      sentBy: actor.id,
      sentByName: actor.name,
      sentReference: input.reference ?? null,
      notes: appendNote(reward.notes, actor, at, input.note),
    },
    audit: { reference: input.reference ?? null, amount: reward.amount, currency: reward.currency },
  });
  await queueAfterSent(tx, env, row);
  return row;
}

/** A fulfilment that failed (a provider's refusal, or given up): the claim waits in the Failed lane. */
export async function failLockedReward(tx: Tx, env: ClaimEnv, reward: RewardRow, reason: string) {
  return transitionReward(tx, env, reward, 'mark_failed', {
    changes: CLOSINGS.mark_failed(reward, env.actor, env.at, reason),
    audit: { reason },
  });
}

/**
 * Staff retry a failed fulfilment: the claim is approved again (pending) and, where it was
 * ordered from a provider, the order is queued again (the fulfilment effect of `retry`).
 */
export async function retryReward(deps: Deps, actor: Actor, id: string, input: { note?: string | undefined }) {
  const at = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    const reward = await lockOrThrow(tx, actor, id);
    await transitionReward(tx, { actor, at }, reward, 'retry', {
      changes: { notes: appendNote(reward.notes, actor, at, input.note ?? 'Retrying the fulfilment.') },
      audit: { note: input.note ?? null },
    });
  });
  return detail(deps, actor, id);
}

async function queueAfterSent(tx: Tx, env: ClaimEnv, reward: RewardRow) {
  const [workspace] = await tx.select().from(workspaces).where(eq(workspaces.id, reward.workspaceId));
  const referrer = await findParticipant(tx, reward.workspaceId, reward.referrerId);
  const referred = await findParticipant(tx, reward.workspaceId, reward.referredId);
  if (!workspace || !referrer || !referred) return;
  const policy = await currentPolicy(tx, reward.workspaceId, reward.programId);
  // The messages go to whoever is paid: a referred person's own reward is welcomed, not thanked.
  const welcome = reward.kind === 'referred';
  const base = {
    workspace,
    rewardId: reward.id,
    rewardSummary: summaryWithCode(reward),
    code: reward.discountCode,
    referrer: welcome ? referred : referrer,
    referredName: referred.name,
    referrerName: referrer.name,
    thankChannel: policy.thankChannel,
    publicUrl: env.publicUrl,
    actor: env.actor,
    at: env.at,
  };
  if (workspace.notifyRewardIssued) await queueReferrerMessages(tx, { ...base, kind: 'reward_issued' });
  if (!policy.autoThank) return;
  const outcomes = await queueReferrerMessages(tx, { ...base, kind: welcome ? 'welcome' : 'thank_you' });
  await recordAudit(tx, env.actor, env.at, {
    action: 'thank_you.queued',
    objectType: 'reward',
    objectId: reward.id,
    after: { channels: outcomes.map((o) => ({ channel: o.channel, status: o.status, skipReason: o.skipReason })) },
  });
}

export async function addRewardNote(deps: Deps, actor: Actor, id: string, input: { note: string }) {
  const at = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    const reward = await lockReward(tx, actor.workspaceId, id);
    if (!reward) throw notFound('Reward');
    await updateRewardFrom(tx, actor.workspaceId, id, [reward.status], {
      notes: appendNote(reward.notes, actor, at, input.note),
      updatedAt: at,
    });
    await recordAudit(tx, actor, at, {
      action: 'reward.note_added',
      objectType: 'reward',
      objectId: id,
      after: { note: input.note },
    });
  });
  return detail(deps, actor, id);
}

/** A person resolves a flag with a reason; the flag stays on the claim, resolved. */
export async function resolveFlag(deps: Deps, actor: Actor, id: string, flagId: string, input: { reason: string }) {
  const at = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    const reward = await lockOrThrow(tx, actor, id);
    await assertMayClearFlags(tx, actor, reward, at);
    const [flag] = await tx
      .select()
      .from(rewardFlags)
      .where(
        and(eq(rewardFlags.workspaceId, actor.workspaceId), eq(rewardFlags.rewardId, id), eq(rewardFlags.id, flagId)),
      );
    if (!flag) throw notFound('Flag');
    if (flag.resolvedAt) {
      throw new AppError(
        'invalid_transition',
        `This flag was already resolved by ${flag.resolvedByName}: ${flag.resolution}`,
      );
    }
    if (flag.type === 'tax_form_missing') {
      // The flag asks for the payee's form: it is cleared once finance has recorded it.
      const payee = await taxFormOf(tx, actor.workspaceId, reward.payeeId);
      if (!payee?.type) {
        throw new AppError(
          'invalid_transition',
          `Record ${payee?.name ?? 'the payee'}'s tax form first (their participant page → Tax form); then this flag can be resolved.`,
          { details: { participantId: reward.payeeId } },
        );
      }
    }
    if (flag.type === 'disputed_attribution') {
      const [open] = await tx
        .select()
        .from(disputes)
        .where(
          and(
            eq(disputes.workspaceId, actor.workspaceId),
            eq(disputes.referredId, reward.referredId),
            eq(disputes.status, 'open'),
          ),
        );
      if (open) {
        throw new AppError(
          'dispute_open',
          `Attribution is decided in dispute ${open.id}: resolve the dispute (pick who wins) instead.`,
          {
            details: { disputeId: open.id },
          },
        );
      }
    }
    await tx
      .update(rewardFlags)
      .set({ resolvedAt: at, resolvedBy: actor.id, resolvedByName: actor.name, resolution: input.reason })
      .where(
        and(eq(rewardFlags.workspaceId, actor.workspaceId), eq(rewardFlags.id, flagId), isNull(rewardFlags.resolvedAt)),
      );
    await recordAudit(tx, actor, at, {
      action: 'flag.resolved',
      objectType: 'reward',
      objectId: id,
      before: { flagId, type: flag.type, resolved: false },
      after: { flagId, type: flag.type, resolved: true, reason: input.reason },
    });
  });
  return detail(deps, actor, id);
}

/**
 * Finance corrects a claim before it is paid: a new amount, or another referral of the same
 * customer as payee. The claim goes back to review if it was approved, and whoever changed it
 * may not approve it (maker-checker).
 */
export async function adjustReward(
  deps: Deps,
  actor: Actor,
  id: string,
  input: { amount?: number | undefined; referralId?: string | undefined; reason: string },
) {
  const at = deps.clock.now();
  const env = { actor, at, publicUrl: deps.publicUrl };
  await inTransaction(deps.db, async (tx) => {
    const locked = await lockReward(tx, actor.workspaceId, id);
    if (!locked) throw notFound('Reward');
    let reward: RewardRow = locked;
    // A failed fulfilment is retried as approved; changing what was approved needs a new review.
    if (!canRevise(reward.status)) {
      throw new AppError(
        'invalid_transition',
        `This reward is ${reward.status.replace('_', ' ')}: only claims in review or approved and not yet sent can be adjusted.`,
      );
    }
    if (input.referralId) {
      await changePayee(tx, env, reward, input.referralId, input.reason);
      // Changing the payee may have sent the claim back to review: work on what it is now.
      reward = (await lockReward(tx, actor.workspaceId, id)) ?? reward;
    }
    if (input.amount !== undefined && input.amount !== reward.amount) {
      const before = reward;
      reward = await reviseClaim(
        tx,
        env,
        reward,
        {
          amount: input.amount,
          calculation: `${reward.calculation}; adjusted to ${input.amount} ${reward.currency} by ${actor.name}: ${input.reason}`,
          amountChangedBy: actor.id,
        },
        { reason: 'amount_changed', why: `amount changed: ${input.reason}` },
      );
      await recordAudit(tx, actor, at, {
        action: 'reward.amount_changed',
        objectType: 'reward',
        objectId: id,
        before: { amount: before.amount, reviewRound: before.reviewRound },
        after: { amount: input.amount, reviewRound: reward.reviewRound, reason: input.reason },
      });
    }
    await recheckReward(tx, env, id, `adjusted: ${input.reason}`);
  });
  return detail(deps, actor, id);
}

/**
 * How many rewards are in each status, every status named (the queue's tab counts and the
 * approvals count): read from the rollups, so the cost does not grow with the queue.
 */
export async function countRewards(deps: Deps, actor: Actor) {
  const counts = await statusCountsFromRollups(deps.db, actor.workspaceId);
  return Object.fromEntries(REWARD_STATUSES.map((status) => [status, counts[status] ?? 0])) as Record<
    RewardStatus,
    number
  >;
}
