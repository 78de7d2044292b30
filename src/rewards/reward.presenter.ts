import { and, eq, sql } from 'drizzle-orm';
import { historyOf } from '../audit/index.js';
import type { Executor } from '../db/client.js';
import { fromJsonRow, fromJsonRows, rowsOf } from '../db/json-rows.js';
import { type auditEvents, recoveryTasks } from '../db/schema.js';
import type { MessageRow } from '../messaging/index.js';
import { presentMessage } from '../messaging/index.js';
import { approvalsRequired, makersOf } from './approval.core.js';
import { latestDispute } from './claim-context.repo.js';
import {
  type ApprovalRow,
  exceptionAuthorsFor,
  type FlagRow,
  makersFor,
  type RewardListRow,
  rewardRowsByIds,
} from './reward.repo.js';
import type { FulfilmentRef, Reward, RewardDetail } from './reward.schema.js';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function presentFlag(row: FlagRow) {
  return {
    id: row.id,
    type: row.type,
    reason: row.reason,
    evidence: row.evidence,
    resolved: row.resolvedAt !== null,
    resolvedAt: iso(row.resolvedAt),
    resolvedBy: row.resolvedByName,
    resolution: row.resolution,
    createdAt: row.createdAt.toISOString(),
  };
}

function presentApproval(row: ApprovalRow) {
  return {
    id: row.id,
    approverId: row.approverId,
    approverName: row.approverName,
    approverRole: row.approverRole,
    kind: row.kind,
    rulesVersion: row.rulesVersion,
    round: row.round,
    note: row.note,
    createdAt: row.createdAt.toISOString(),
  };
}

const person = (row: RewardListRow['referrer']) => ({
  id: row.id,
  name: row.name,
  email: row.email,
  phone: row.phone,
  kind: row.kind,
});

interface RewardExtras {
  id: string;
  flags: FlagRow[];
  approvals: ApprovalRow[];
  messages: MessageRow[];
  rules: { twoApproversAbove: number | null; currency: string } | null;
  /** The provider order of a gift card (fulfilment_orders), read as a row. */
  fulfilment: {
    provider: string;
    status: FulfilmentRef['status'];
    providerStatus: string | null;
    providerOrderId: string | null;
    lastError: string | null;
    attempts: number;
    nextAttemptAt: Date | null;
  } | null;
  /** The open payout batch holding it (payout_batch_items, payouts/ owns them), read as a row. */
  payoutBatch: { id: string; status: 'draft' | 'approved' } | null;
}

/**
 * Flags, approvals, messages and the two-approver rule of a set of claims, in one round trip
 * (the reward list and every answer that shows a claim go through here).
 */
async function loadRewardExtras(db: Executor, workspaceId: string, ids: string[]): Promise<Map<string, RewardExtras>> {
  if (ids.length === 0) return new Map();
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select r.id,
        (select coalesce(jsonb_agg(to_jsonb(f) order by f.created_at, f.id), '[]'::jsonb) from reward_flags f
          where f.workspace_id = r.workspace_id and f.reward_id = r.id) as flags,
        (select coalesce(jsonb_agg(to_jsonb(a) order by a.created_at, a.id), '[]'::jsonb) from reward_approvals a
          where a.workspace_id = r.workspace_id and a.reward_id = r.id) as approvals,
        (select coalesce(jsonb_agg(jsonb_build_object('id', m.id, 'reward_id', m.reward_id, 'kind', m.kind, 'channel', m.channel,
                  'status', m.status, 'skip_reason', m.skip_reason, 'to_address', m.to_address, 'attempts', m.attempts,
                  'sent_at', m.sent_at, 'delivered_at', m.delivered_at, 'last_error', m.last_error, 'created_at', m.created_at)
                  order by m.created_at, m.id), '[]'::jsonb)
          from messages m where m.workspace_id = r.workspace_id and m.reward_id = r.id) as messages,
        (select jsonb_build_object('two_approvers_above', pr.two_approvers_above, 'currency', pr.currency) from program_rules pr
          where pr.workspace_id = r.workspace_id and pr.program_id = r.program_id and pr.version = r.rules_version) as rules,
        (select to_jsonb(o) from fulfilment_orders o where o.workspace_id = r.workspace_id and o.reward_id = r.id) as fulfilment,
        (select jsonb_build_object('id', b.id, 'status', b.status) from payout_batch_items i
          join payout_batches b on b.workspace_id = i.workspace_id and b.id = i.batch_id
          where i.workspace_id = r.workspace_id and i.reward_id = r.id and i.removed_at is null
            and i.released_at is null and b.status in ('draft', 'approved') limit 1) as payout_batch
      from rewards r
      where r.workspace_id = ${workspaceId} and r.id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`),
  );
  return new Map(
    rows.map((row) => [
      row.id as string,
      {
        id: row.id as string,
        flags: fromJsonRows<FlagRow>(row.flags),
        approvals: fromJsonRows<ApprovalRow>(row.approvals),
        messages: fromJsonRows<MessageRow>(row.messages),
        rules: fromJsonRow<RewardExtras['rules']>(row.rules),
        fulfilment: fromJsonRow<RewardExtras['fulfilment']>(row.fulfilment),
        payoutBatch: fromJsonRow<RewardExtras['payoutBatch']>(row.payout_batch ?? null),
      },
    ]),
  );
}

/**
 * Claims a batch has just written, presented from the rows it wrote (no read back): a new claim
 * has its flags and nothing else yet (no approval, message or order).
 */
export function presentNewClaims(
  items: (RewardListRow & { flags: FlagRow[] })[],
  rules: { twoApproversAbove: number | null; currency: string },
): Reward[] {
  const extras = new Map<string, RewardExtras>(
    items.map((item) => [
      item.reward.id,
      {
        id: item.reward.id,
        flags: item.flags,
        approvals: [],
        messages: [],
        rules,
        fulfilment: null,
        payoutBatch: null,
      },
    ]),
  );
  return presentWith(items, extras);
}

/** Presents a page of claims with one query beyond the page's own, however long the page. */
export async function presentRewards(db: Executor, workspaceId: string, rows: RewardListRow[]): Promise<Reward[]> {
  const extras = await loadRewardExtras(
    db,
    workspaceId,
    rows.map((row) => row.reward.id),
  );
  return presentWith(rows, extras);
}

function presentWith(rows: RewardListRow[], extras: Map<string, RewardExtras>): Reward[] {
  return rows.map(({ reward, referrer, referred, conversion }) => {
    const extra = extras.get(reward.id);
    const rewardFlags = extra?.flags ?? [];
    const rules = extra?.rules;
    return {
      id: reward.id,
      status: reward.status,
      kind: reward.kind,
      payeeId: reward.payeeId,
      milestone: reward.milestone,
      sourceRewardId: reward.sourceRewardId,
      referrer: person(referrer),
      referred: person(referred),
      referralId: reward.referralId,
      conversion: conversion
        ? {
            id: conversion.id,
            externalId: conversion.externalId,
            source: conversion.source,
            type: conversion.type,
            amount: conversion.amount,
            currency: conversion.currency,
            occurredAt: conversion.occurredAt.toISOString(),
          }
        : null,
      rewardType: reward.rewardType,
      amount: reward.amount,
      currency: reward.currency,
      summary: reward.summary,
      calculation: reward.calculation,
      ordinal: reward.ordinal,
      recommendation: reward.recommendation,
      fraudScore: reward.fraudScore,
      flags: rewardFlags.map(presentFlag),
      openFlags: rewardFlags.filter((flag) => flag.resolvedAt === null).length,
      notes: reward.notes,
      policyVersion: reward.policyVersion,
      rulesVersion: reward.rulesVersion,
      termsVersion: reward.termsVersion,
      holdUntil: reward.holdUntil.toISOString(),
      createdAt: reward.createdAt.toISOString(),
      createdBy: { id: reward.createdBy, name: reward.createdByName },
      approvedAt: iso(reward.approvedAt),
      reviewRound: reward.reviewRound,
      approvals: (extra?.approvals ?? []).map(presentApproval),
      approvalsRequired: rules
        ? approvalsRequired(reward, { twoApproversAbove: rules.twoApproversAbove, currency: rules.currency })
        : 1,
      sentAt: iso(reward.sentAt),
      sentBy: reward.sentBy ? { id: reward.sentBy, name: reward.sentByName ?? reward.sentBy } : null,
      sentReference: reward.sentReference,
      thankedAt: iso(reward.thankedAt),
      closedAt: iso(reward.closedAt),
      closedReason: reward.closedReason,
      // A referred person's own reward is welcomed rather than thanked: the same place on the claim.
      thankYou: (extra?.messages ?? [])
        .filter((message) => message.kind === 'thank_you' || message.kind === 'welcome')
        .map(presentMessage),
      code: reward.discountCode,
      fulfilment: extra?.fulfilment
        ? {
            provider: extra.fulfilment.provider,
            status: extra.fulfilment.status,
            providerStatus: extra.fulfilment.providerStatus,
            orderId: extra.fulfilment.providerOrderId,
            reason: extra.fulfilment.lastError,
            attempts: extra.fulfilment.attempts,
            nextAttemptAt: iso(extra.fulfilment.nextAttemptAt),
          }
        : null,
      payoutBatch: extra?.payoutBatch ?? null,
    };
  });
}

export async function presentRewardsByIds(db: Executor, workspaceId: string, ids: string[]): Promise<Reward[]> {
  const rows = await rewardRowsByIds(db, workspaceId, ids);
  const order = new Map(ids.map((id, index) => [id, index]));
  rows.sort((a, b) => (order.get(a.reward.id) ?? 0) - (order.get(b.reward.id) ?? 0));
  return presentRewards(db, workspaceId, rows);
}

export async function presentRewardDetail(
  db: Executor,
  workspaceId: string,
  row: RewardListRow,
  now: Date,
): Promise<RewardDetail> {
  const extras = await loadRewardExtras(db, workspaceId, [row.reward.id]);
  const [base] = presentWith([row], extras);
  if (!base) throw new Error('presenting a reward returned nothing');
  const reward = row.reward;
  const history = await historyOf(db, workspaceId, 'reward', reward.id);
  const outbox = extras.get(reward.id)?.messages ?? [];
  const tasks = await db
    .select()
    .from(recoveryTasks)
    .where(and(eq(recoveryTasks.workspaceId, workspaceId), eq(recoveryTasks.rewardId, reward.id)))
    .orderBy(recoveryTasks.createdAt);
  const dispute = await latestDispute(db, workspaceId, reward.referredId);
  const exceptionAuthors = (await exceptionAuthorsFor(db, workspaceId, [reward.referrerId])).get(reward.referrerId);
  const makers = makersOf(
    {
      reward,
      makers: (await makersFor(db, workspaceId, [reward.id])).get(reward.id) ?? [],
      exceptions: exceptionAuthors ?? [],
    },
    now,
  );
  return {
    ...base,
    checks: reward.checks,
    fraudSignals: reward.checks.flatMap((check) => check.score ?? []),
    attribution: { ...reward.attribution },
    messages: outbox.map(presentMessage),
    history: history.map((event: typeof auditEvents.$inferSelect) => ({
      id: event.id,
      action: event.action,
      actor: { type: event.actorType, id: event.actorId, name: event.actorName, role: event.actorRole },
      before: event.before,
      after: event.after,
      requestId: event.requestId,
      at: event.createdAt.toISOString(),
    })),
    recoveryTasks: tasks.map((task) => ({
      id: task.id,
      kind: task.kind,
      amount: task.amount,
      currency: task.currency,
      reason: task.reason,
      status: task.status,
      resolution: task.resolution,
      createdAt: task.createdAt.toISOString(),
      resolvedAt: iso(task.resolvedAt),
    })),
    disputeId: dispute?.id ?? null,
    makers: makers.map((maker) => ({
      id: maker.makerId,
      name: maker.makerName,
      reason: maker.reason,
      round: maker.round,
    })),
  };
}
