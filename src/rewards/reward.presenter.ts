import { and, eq, inArray } from 'drizzle-orm';
import { historyOf } from '../audit/audit.repo.js';
import type { Executor } from '../db/client.js';
import { type auditEvents, programRules, recoveryTasks } from '../db/schema.js';
import type { MessageRow } from '../messaging/outbox.service.js';
import { rulesTerms } from '../policy/policy.service.js';
import { approvalsRequired } from './claim.service.js';
import { latestDispute } from './claim-context.repo.js';
import {
  type ApprovalRow,
  approvalsFor,
  type FlagRow,
  flagsFor,
  messagesForRewards,
  type RewardListRow,
  rewardRowsByIds,
} from './reward.repo.js';
import type { Reward, RewardDetail } from './reward.schema.js';

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

export function presentMessage(row: MessageRow) {
  return {
    messageId: row.id,
    kind: row.kind,
    channel: row.channel,
    status: row.status,
    skipReason: row.skipReason,
    to: row.toAddress,
    attempts: row.attempts,
    sentAt: iso(row.sentAt),
    deliveredAt: iso(row.deliveredAt),
    lastError: row.lastError,
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

/** Presents a page of claims with 4 queries, however long the page. */
export async function presentRewards(db: Executor, workspaceId: string, rows: RewardListRow[]): Promise<Reward[]> {
  const ids = rows.map((row) => row.reward.id);
  // Sequential on purpose: `db` may be a transaction, which runs one query at a time.
  const flags = await flagsFor(db, workspaceId, ids);
  const approvals = await approvalsFor(db, workspaceId, ids);
  const outbox = await messagesForRewards(db, workspaceId, ids);
  const versions = [...new Set(rows.map((row) => row.reward.rulesVersion))];
  const programIds = [...new Set(rows.map((row) => row.reward.programId))];
  const rules =
    versions.length === 0
      ? []
      : await db
          .select()
          .from(programRules)
          .where(
            and(
              eq(programRules.workspaceId, workspaceId),
              inArray(programRules.programId, programIds),
              inArray(programRules.version, versions),
            ),
          );
  return rows.map(({ reward, referrer, referred, conversion }) => {
    const ruleRow = rules.find((row) => row.programId === reward.programId && row.version === reward.rulesVersion);
    const rewardFlags = flags.filter((flag) => flag.rewardId === reward.id);
    return {
      id: reward.id,
      status: reward.status,
      referrer: person(referrer),
      referred: person(referred),
      referralId: reward.referralId,
      conversion: {
        id: conversion.id,
        externalId: conversion.externalId,
        source: conversion.source,
        type: conversion.type,
        amount: conversion.amount,
        currency: conversion.currency,
        occurredAt: conversion.occurredAt.toISOString(),
      },
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
      approvals: approvals.filter((row) => row.rewardId === reward.id).map(presentApproval),
      approvalsRequired: ruleRow ? approvalsRequired(reward, rulesTerms(ruleRow)) : 1,
      sentAt: iso(reward.sentAt),
      sentBy: reward.sentBy ? { id: reward.sentBy, name: reward.sentByName ?? reward.sentBy } : null,
      sentReference: reward.sentReference,
      thankedAt: iso(reward.thankedAt),
      closedAt: iso(reward.closedAt),
      closedReason: reward.closedReason,
      thankYou: outbox
        .filter((message) => message.rewardId === reward.id && message.kind === 'thank_you')
        .map(presentMessage),
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
): Promise<RewardDetail> {
  const [base] = await presentRewards(db, workspaceId, [row]);
  if (!base) throw new Error('presenting a reward returned nothing');
  const reward = row.reward;
  const history = await historyOf(db, workspaceId, 'reward', reward.id);
  const outbox = await messagesForRewards(db, workspaceId, [reward.id]);
  const tasks = await db
    .select()
    .from(recoveryTasks)
    .where(and(eq(recoveryTasks.workspaceId, workspaceId), eq(recoveryTasks.rewardId, reward.id)))
    .orderBy(recoveryTasks.createdAt);
  const dispute = await latestDispute(db, workspaceId, reward.referredId);
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
  };
}
