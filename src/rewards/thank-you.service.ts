import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { queueReferrerMessages } from '../messaging/index.js';
import { findParticipant } from '../participants/index.js';
import { currentPolicy } from '../policy/index.js';
import { type Actor, systemActor } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { getWorkspaceOrThrow } from '../workspaces/index.js';
import { lockReward } from './reward.repo.js';
import { getReward, summaryWithCode } from './reward.service.js';
import { transitionReward } from './transition.service.js';

/**
 * Staff send a thank-you by hand (consent still applies), or record one given another way
 * (a call, a card), which moves the reward to thanked.
 */
export async function thankByHand(
  deps: Deps,
  actor: Actor,
  id: string,
  input: {
    action: 'send' | 'mark';
    channel?: 'email' | 'sms' | 'email_and_sms' | undefined;
    note?: string | undefined;
  },
) {
  const at = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    const reward = await lockReward(tx, actor.workspaceId, id);
    if (!reward) throw notFound('Reward');
    if (reward.status !== 'sent' && reward.status !== 'thanked') {
      throw new AppError(
        'invalid_transition',
        `This reward is ${reward.status.replace('_', ' ')}; thank the referrer once it is sent.`,
      );
    }
    if (input.action === 'mark') {
      if (reward.status === 'thanked') throw new AppError('invalid_transition', 'This reward is already thanked.');
      await transitionReward(tx, { actor, at }, reward, 'thank', {
        changes: { thankedAt: at },
        audit: { by: 'hand', note: input.note ?? null },
      });
      return;
    }
    const workspace = await getWorkspaceOrThrow(tx, actor.workspaceId);
    const referrer = await findParticipant(tx, actor.workspaceId, reward.referrerId);
    const payee = await findParticipant(tx, actor.workspaceId, reward.payeeId);
    if (!referrer || !payee) throw notFound('Referrer');
    const policy = await currentPolicy(tx, actor.workspaceId, reward.programId);
    const outcomes = await queueReferrerMessages(tx, {
      // A referred person's own reward is welcomed; the referrer's (and their bonus) thanked.
      kind: reward.kind === 'referred' ? 'welcome' : 'thank_you',
      workspace,
      rewardId: id,
      rewardSummary: summaryWithCode(reward),
      code: reward.discountCode,
      referrer: payee,
      referrerName: referrer.name,
      referredName: (await findParticipant(tx, actor.workspaceId, reward.referredId))?.name,
      thankChannel: input.channel ?? policy.thankChannel,
      publicUrl: deps.publicUrl,
      actor,
      at,
    });
    if (outcomes.length === 0) {
      throw new AppError('already_exists', 'A thank-you for this reward is already queued or sent on that channel.');
    }
    await recordAudit(tx, actor, at, {
      action: 'thank_you.queued',
      objectType: 'reward',
      objectId: id,
      after: {
        by: 'hand',
        channels: outcomes.map((o) => ({ channel: o.channel, status: o.status, skipReason: o.skipReason })),
      },
    });
  });
  return getReward(deps, actor, id);
}

/**
 * A provider accepted a thank-you: a sent reward becomes thanked (once; a second channel's
 * thank-you finds it thanked already). The dispatcher is handed this at composition, since
 * messaging sits below rewards.
 */
export async function thankOnDelivery(
  tx: Tx,
  input: { workspaceId: string; rewardId: string; at: Date; detail: Record<string, unknown> },
): Promise<boolean> {
  const reward = await lockReward(tx, input.workspaceId, input.rewardId);
  if (reward?.status !== 'sent') return false;
  await transitionReward(tx, { actor: systemActor(input.workspaceId, 'Dispatcher'), at: input.at }, reward, 'thank', {
    changes: { thankedAt: input.at },
    audit: input.detail,
  });
  return true;
}
