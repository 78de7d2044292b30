import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { messages, messageTemplates, type workspaces } from '../db/schema.js';
import { firstName } from '../participants/index.js';
import type { Actor } from '../shared/actor.js';
import { newId } from '../shared/ids.js';
import { type Channel, type ContactFacts, channelsFor, decideChannel } from './consent.core.js';
import { nextSendTime, sendWindowOf } from './send-window.core.js';
import {
  DEFAULT_TEMPLATES,
  type MessageKind,
  renderMessage,
  type Template,
  type TemplateValues,
} from './templates.core.js';

type WorkspaceRow = typeof workspaces.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;

interface PersonForMessage extends ContactFacts {
  id: string;
  name: string;
  referralCode?: string | undefined;
  pageToken?: string | undefined;
}

/** Unsubscribe links carry a signature so nobody can unsubscribe someone else by guessing ids. */
export function unsubscribeToken(workspace: Pick<WorkspaceRow, 'id' | 'signingSecret'>, participantId: string): string {
  const payload = Buffer.from(`${workspace.id}:${participantId}`).toString('base64url');
  const mac = createHmac('sha256', workspace.signingSecret).update(payload).digest('base64url').slice(0, 32);
  return `${payload}.${mac}`;
}

export function readUnsubscribeToken(
  token: string,
): { workspaceId: string; participantId: string; mac: string } | null {
  const [payload, mac] = token.split('.');
  if (!payload || !mac) return null;
  const [workspaceId, participantId] = Buffer.from(payload, 'base64url').toString('utf8').split(':');
  if (!workspaceId || !participantId) return null;
  return { workspaceId, participantId, mac };
}

export function verifyUnsubscribeToken(workspace: Pick<WorkspaceRow, 'id' | 'signingSecret'>, token: string): boolean {
  const expected = unsubscribeToken(workspace, readUnsubscribeToken(token)?.participantId ?? '');
  const a = Buffer.from(expected);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A thank-you's rating link names its message, signed with the workspace's secret, so a rating
 * lands on the message it answers and nobody can rate in someone else's name by guessing ids.
 */
export function ratingToken(workspace: Pick<WorkspaceRow, 'id' | 'signingSecret'>, messageId: string): string {
  const payload = Buffer.from(`${workspace.id}:${messageId}`).toString('base64url');
  const mac = createHmac('sha256', workspace.signingSecret)
    .update(`rating:${payload}`)
    .digest('base64url')
    .slice(0, 32);
  return `${payload}.${mac}`;
}

export function readRatingToken(token: string): { workspaceId: string; messageId: string } | null {
  const parsed = readUnsubscribeToken(token);
  return parsed ? { workspaceId: parsed.workspaceId, messageId: parsed.participantId } : null;
}

export function verifyRatingToken(workspace: Pick<WorkspaceRow, 'id' | 'signingSecret'>, token: string): boolean {
  const expected = Buffer.from(ratingToken(workspace, readRatingToken(token)?.messageId ?? ''));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export async function templateFor(
  db: Executor,
  workspaceId: string,
  kind: MessageKind,
  channel: Channel,
): Promise<Template | null> {
  const [custom] = await db
    .select()
    .from(messageTemplates)
    .where(
      and(
        eq(messageTemplates.workspaceId, workspaceId),
        eq(messageTemplates.kind, kind),
        eq(messageTemplates.channel, channel),
      ),
    );
  if (custom) return { subject: custom.subject, bodyText: custom.bodyText, bodyHtml: custom.bodyHtml };
  return DEFAULT_TEMPLATES[kind][channel];
}

export function templateValues(input: {
  workspace: WorkspaceRow;
  referrer: { id: string; name: string; referralCode?: string | undefined; pageToken?: string | undefined };
  referredName?: string | undefined;
  referrerName?: string | undefined;
  rewardSummary: string;
  rewardId: string;
  publicUrl: string;
  messageId?: string | undefined;
  code?: string | null | undefined;
}): TemplateValues {
  const business = input.workspace.companyName || input.workspace.name;
  return {
    referrerFirstName: firstName(input.referrerName ?? input.referrer.name),
    referrerName: input.referrerName ?? input.referrer.name,
    referredFirstName: input.referredName ? firstName(input.referredName) : '',
    rewardSummary: input.rewardSummary,
    businessName: business,
    senderName: input.workspace.senderName || business,
    signature: input.workspace.senderName ? `${input.workspace.senderName}, ${business}` : business,
    rewardUrl: `${input.publicUrl}/rewards/${input.rewardId}`,
    unsubscribeUrl: `${input.publicUrl}/u/${unsubscribeToken(input.workspace, input.referrer.id)}`,
    referralUrl: input.referrer.referralCode
      ? `${input.publicUrl}/r/${input.workspace.slug}/${input.referrer.referralCode}`
      : '',
    pageUrl: input.referrer.pageToken ? `${input.publicUrl}/p/${input.referrer.pageToken}` : '',
    ratingUrl: input.messageId ? `${input.publicUrl}/rate/${ratingToken(input.workspace, input.messageId)}` : '',
    code: input.code ?? '',
  };
}

export interface QueuedOutcome {
  channel: Channel;
  messageId: string;
  status: 'queued' | 'skipped';
  skipReason: string | null;
}

/**
 * Writes the referrer's messages for a reward into the outbox, one per channel, in the caller's
 * transaction. A channel without consent, address, or with do-not-contact is recorded as
 * skipped (with its reason) rather than left out, so the history shows why nothing was sent.
 */
export async function queueReferrerMessages(
  tx: Executor,
  input: {
    kind: 'thank_you' | 'reward_issued' | 'invitation' | 'welcome';
    workspace: WorkspaceRow;
    /** Null for messages about no reward (invitations). */
    rewardId: string | null;
    rewardSummary: string;
    /** Who the message is to (consent, address, their link and page): the reward's payee. */
    referrer: PersonForMessage;
    referredName?: string | undefined;
    /** A welcome is to the referred person: {{referrerName}} is who referred them, not the recipient. */
    referrerName?: string | undefined;
    thankChannel: 'email' | 'sms' | 'email_and_sms';
    publicUrl: string;
    actor: Actor;
    at: Date;
    /** When the message may go out (the workspace's send window); now if not given. */
    sendAt?: Date | undefined;
    /** A discount-code reward's code, for {{code}}. */
    code?: string | null | undefined;
  },
): Promise<QueuedOutcome[]> {
  const outcomes: QueuedOutcome[] = [];
  for (const channel of channelsFor(input.thankChannel)) {
    const template = await templateFor(tx, input.workspace.id, input.kind, channel);
    if (!template) continue;
    const id = newId('message', input.at.getTime());
    const values = templateValues({
      workspace: input.workspace,
      referrer: input.referrer,
      referredName: input.referredName,
      referrerName: input.referrerName,
      rewardSummary: input.rewardSummary,
      rewardId: input.rewardId ?? '',
      publicUrl: input.publicUrl,
      messageId: id,
      code: input.code,
    });
    const rendered = renderMessage(template, channel, values);
    const decision = decideChannel(input.referrer, channel);
    // Marketing to a referrer waits for the workspace's send window; notices do not.
    const sendAt =
      input.sendAt ??
      (input.kind === 'reward_issued' ? input.at : nextSendTime(input.at, sendWindowOf(input.workspace)));
    const inserted = await tx
      .insert(messages)
      .values({
        workspaceId: input.workspace.id,
        id,
        rewardId: input.rewardId,
        participantId: input.referrer.id,
        kind: input.kind,
        channel,
        status: decision.send ? 'queued' : 'skipped',
        skipReason: decision.send ? null : decision.reason,
        toAddress: decision.send ? decision.address : channel === 'email' ? input.referrer.email : input.referrer.phone,
        ...rendered,
        nextAttemptAt: sendAt,
        createdBy: input.actor.id,
        createdAt: input.at,
      })
      .onConflictDoNothing()
      .returning({ id: messages.id });
    // Nothing inserted: a live message of this kind already exists for this channel.
    if (inserted.length === 0) continue;
    outcomes.push({
      channel,
      messageId: id,
      status: decision.send ? 'queued' : 'skipped',
      skipReason: decision.send ? null : decision.reason,
    });
  }
  return outcomes;
}

/** "Referral reward ready to send" to the workspace's staff addresses (internal, no consent needed). */
export async function queueRewardReady(
  tx: Executor,
  input: {
    workspace: WorkspaceRow;
    rewardId: string;
    rewardSummary: string;
    referrer: { id: string; name: string };
    publicUrl: string;
    actor: Actor;
    at: Date;
  },
) {
  if (input.workspace.notifyEmails.length === 0) return;
  const template = await templateFor(tx, input.workspace.id, 'reward_ready', 'email');
  if (!template) return;
  const rendered = renderMessage(template, 'email', templateValues({ ...input, referredName: undefined }));
  await tx
    .insert(messages)
    .values({
      workspaceId: input.workspace.id,
      id: newId('message', input.at.getTime()),
      rewardId: input.rewardId,
      participantId: null,
      kind: 'reward_ready',
      channel: 'email',
      status: 'queued',
      toAddress: input.workspace.notifyEmails.join(', '),
      ...rendered,
      nextAttemptAt: input.at,
      createdBy: input.actor.id,
      createdAt: input.at,
    })
    .onConflictDoNothing();
}
