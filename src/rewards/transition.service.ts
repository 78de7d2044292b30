import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import type { Actor } from '../shared/actor.js';
import { enqueueWebhookEvent, rewardEventFor } from '../webhooks/index.js';
import { nextStatus, type RewardAction, transitionError } from './lifecycle.core.js';
import { type RewardInsert, type RewardRow, updateRewardFrom } from './reward.repo.js';

/** The audit action each move writes (a void before payment and a reversal after differ). */
const AUDIT_ACTION: Record<RewardAction, string> = {
  approve: 'reward.approved',
  reject: 'reward.rejected',
  reopen: 'reward.reopened',
  mark_sent: 'reward.sent',
  decline: 'reward.declined',
  mark_failed: 'reward.marked_failed',
  retry: 'reward.retried',
  thank: 'reward.thanked',
  reverse: 'reward.reversed',
  revise: 'reward.revised',
};

/**
 * The one path for a status change: the lifecycle table says where `action` leads from the
 * claim's status, a conditional update makes it (so of two concurrent movers exactly one wins,
 * the other gets 409), and an audit event records it — all in the caller's transaction. The
 * database trigger `rewards_guard` holds the same table.
 */
export async function transitionReward(
  tx: Tx,
  env: { actor: Actor; at: Date },
  reward: RewardRow,
  action: RewardAction,
  options: {
    changes?: Partial<RewardInsert>;
    audit?: Record<string, unknown>;
    auditAction?: string;
  } = {},
): Promise<RewardRow> {
  const to = nextStatus(reward.status, action);
  if (!to) throw transitionError(reward.status, action);
  const row = await updateRewardFrom(tx, reward.workspaceId, reward.id, [reward.status], {
    ...options.changes,
    status: to,
    updatedAt: env.at,
  });
  if (!row) throw transitionError(reward.status, action);
  await recordAudit(tx, env.actor, env.at, {
    action: options.auditAction ?? AUDIT_ACTION[action],
    objectType: 'reward',
    objectId: reward.id,
    before: { status: reward.status },
    after: { status: to, ...options.audit },
  });
  await enqueueWebhookEvent(tx, {
    workspaceId: reward.workspaceId,
    type: rewardEventFor(action),
    objectId: reward.id,
    at: env.at,
  });
  return row;
}
