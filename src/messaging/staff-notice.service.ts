import type { Executor } from '../db/client.js';
import { messages } from '../db/schema.js';
import type { Actor } from '../shared/actor.js';
import { newId } from '../shared/ids.js';

/**
 * A notice to the workspace's staff addresses (`notifyEmails`) about work waiting for them that
 * is not one reward (a payout batch to approve). It goes through the outbox like every message,
 * as a `reward_ready` email with no reward: the staff's "rewards are ready" notice. Nothing is
 * queued when the workspace has no notification address (the screens still show the work).
 */
export async function queueStaffNotice(
  tx: Executor,
  input: {
    workspace: { id: string; notifyEmails: string[] };
    subject: string;
    bodyText: string;
    actor: Actor;
    at: Date;
  },
): Promise<string | null> {
  if (input.workspace.notifyEmails.length === 0) return null;
  const id = newId('message', input.at.getTime());
  await tx.insert(messages).values({
    workspaceId: input.workspace.id,
    id,
    rewardId: null,
    participantId: null,
    kind: 'reward_ready',
    channel: 'email',
    status: 'queued',
    toAddress: input.workspace.notifyEmails.join(', '),
    subject: input.subject,
    bodyText: input.bodyText,
    bodyHtml: null,
    nextAttemptAt: input.at,
    createdBy: input.actor.id,
    createdAt: input.at,
  });
  return id;
}
