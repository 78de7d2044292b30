import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import { invitations } from '../db/schema.js';
import { queueReferrerMessages } from '../messaging/index.js';
import type { ParticipantRow } from '../participants/index.js';
import type { Actor } from '../shared/actor.js';
import { newId } from '../shared/ids.js';
import type { Workspace } from '../workspaces/index.js';

/**
 * Writes the invitation and its messages (marketing: a channel without consent, or a customer
 * marked do-not-contact, is recorded as skipped with its reason; the dispatcher checks again
 * when it sends). The messages carry the customer's referral link and their own page.
 */
export async function queueInvitation(
  tx: Tx,
  input: {
    workspace: Workspace;
    jobId: string;
    customer: ParticipantRow;
    channel: 'email' | 'sms' | 'email_and_sms';
    sendAfter: Date;
    publicUrl: string;
    actor: Actor;
    at: Date;
  },
) {
  const id = newId('invitation', input.at.getTime());
  await tx.insert(invitations).values({
    workspaceId: input.workspace.id,
    id,
    jobId: input.jobId,
    participantId: input.customer.id,
    channel: input.channel,
    sendAfter: input.sendAfter,
    createdAt: input.at,
  });
  const outcomes = await queueReferrerMessages(tx, {
    kind: 'invitation',
    workspace: input.workspace,
    rewardId: null,
    rewardSummary: '',
    referrer: input.customer,
    thankChannel: input.channel,
    publicUrl: input.publicUrl,
    actor: input.actor,
    at: input.at,
    sendAt: input.sendAfter,
  });
  await recordAudit(tx, input.actor, input.at, {
    action: 'invitation.queued',
    objectType: 'invitation',
    objectId: id,
    after: {
      jobId: input.jobId,
      participantId: input.customer.id,
      sendAfter: input.sendAfter.toISOString(),
      channels: outcomes.map((o) => ({ channel: o.channel, status: o.status, skipReason: o.skipReason })),
    },
  });
  return { id, outcomes };
}
