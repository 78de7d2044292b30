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

export interface RewardMove {
  action: RewardAction;
  before: RewardRow;
  after: RewardRow;
}

/**
 * What other features do when a claim moves — a discount code given on approval, a gift card
 * ordered from a provider, a credit issued once sent — in the mover's transaction, so the move
 * and its consequence commit together or not at all. Those features depend on rewards, so their
 * effects are installed at composition (src/reward-effects.ts), never imported here.
 */
export interface RewardEffect {
  name: string;
  afterMove?: (tx: Tx, env: { actor: Actor; at: Date }, move: RewardMove) => Promise<void>;
  /**
   * A paid claim is being reversed: take back what can still be taken back (a credit not yet
   * redeemed) and answer how much of the claim's amount that was; the rest needs a recovery task.
   */
  takeBack?: (tx: Tx, env: { actor: Actor; at: Date }, reward: RewardRow) => Promise<number>;
}

const effects = new Map<string, RewardEffect>();

/** Installs the effects (by name, so installing twice — several apps in one process — is harmless). */
export function installRewardEffects(list: readonly RewardEffect[]) {
  for (const effect of list) effects.set(effect.name, effect);
}

/** How much of a paid claim's amount the installed effects took back themselves. */
export async function takeBackPaid(tx: Tx, env: { actor: Actor; at: Date }, reward: RewardRow): Promise<number> {
  let taken = 0;
  for (const effect of effects.values()) if (effect.takeBack) taken += await effect.takeBack(tx, env, reward);
  return Math.min(taken, reward.amount);
}

/**
 * The one path for a status change: the lifecycle table says where `action` leads from the
 * claim's status, a conditional update makes it (so of two concurrent movers exactly one wins,
 * the other gets 409), an audit event records it and the installed effects follow — all in the
 * caller's transaction. The database trigger `rewards_guard` holds the same table.
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
  for (const effect of effects.values()) await effect.afterMove?.(tx, env, { action, before: reward, after: row });
  return row;
}
