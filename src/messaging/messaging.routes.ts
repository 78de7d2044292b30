import { and, desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.repo.js';
import { messages, messageTemplates, workspaces } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { findParticipant } from '../participants/participant.repo.js';
import { currentPolicy } from '../policy/policy.repo.js';
import { presentMessage } from '../rewards/reward.presenter.js';
import { lockReward, updateRewardFrom } from '../rewards/reward.repo.js';
import { RewardDetailSchema, RewardParamsSchema } from '../rewards/reward.schema.js';
import { getReward } from '../rewards/reward.service.js';
import type { Actor } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { IdSchema, NoteSchema } from '../shared/schemas.js';
import {
  MessageViewListSchema,
  OutboxStatusSchema,
  type TemplateInput,
  TemplateInputSchema,
  TemplateListSchema,
} from './messaging.schema.js';
import { queueReferrerMessages } from './outbox.service.js';
import { outboxStatus } from './outbox-status.repo.js';
import {
  DEFAULT_TEMPLATES,
  MESSAGE_KINDS,
  type MessageKind,
  renderTemplate,
  SMS_MAX_LENGTH,
  TEMPLATE_VARIABLES,
  type TemplateValues,
  unknownVariables,
} from './templates.core.js';

// The longest a variable can plausibly render: the SMS length guard checks the worst case.
const WORST_CASE: TemplateValues = {
  referrerFirstName: 'Maximiliana',
  referrerName: 'Maximiliana Featherstonehaugh',
  referredFirstName: 'Bartholomew',
  rewardSummary: 'Gift card, 1,000.00 USD via Tremendous',
  businessName: 'Featherstonehaugh & Sons Realty',
  senderName: 'Maximiliana Featherstonehaugh',
  signature: 'Maximiliana Featherstonehaugh, Featherstonehaugh & Sons Realty',
  rewardUrl: 'https://rewards.example.com/rewards/rwd_01M81KDCFGRAZF706V3TFP1Y74',
  unsubscribeUrl: 'https://rewards.example.com/u/d3NfMDFNODFLRDU3UVlGTlRFM05OVFhNMVBCUUs6cGFyXzAx.x',
};

async function templatesOf(deps: Deps, workspaceId: string) {
  const custom = await deps.db.select().from(messageTemplates).where(eq(messageTemplates.workspaceId, workspaceId));
  return MESSAGE_KINDS.flatMap((kind) =>
    (['email', 'sms'] as const).flatMap((channel) => {
      const fallback = DEFAULT_TEMPLATES[kind][channel];
      if (!fallback) return [];
      const own = custom.find((row) => row.kind === kind && row.channel === channel);
      return [
        {
          kind,
          channel,
          subject: own ? own.subject : fallback.subject,
          bodyText: own ? own.bodyText : fallback.bodyText,
          bodyHtml: own ? own.bodyHtml : fallback.bodyHtml,
          custom: !!own,
          variables: [...TEMPLATE_VARIABLES],
        },
      ];
    }),
  );
}

async function saveTemplate(
  deps: Deps,
  actor: Actor,
  kind: MessageKind,
  channel: 'email' | 'sms',
  input: TemplateInput,
) {
  if (!DEFAULT_TEMPLATES[kind][channel]) throw notFound(`A ${channel} template for ${kind}`);
  const fields = { subject: input.subject ?? null, bodyText: input.bodyText, bodyHtml: input.bodyHtml ?? null };
  for (const [field, value] of Object.entries(fields)) {
    const unknown = value ? unknownVariables(value) : [];
    if (unknown.length > 0) {
      throw new AppError(
        'validation_failed',
        `The field \`${field}\`: unknown variable {{${unknown[0]}}}; use ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')}.`,
        {
          field,
        },
      );
    }
  }
  if (channel === 'email' && !fields.subject) {
    throw new AppError('validation_failed', 'The field `subject`: an email needs a subject.', { field: 'subject' });
  }
  if (channel === 'sms') {
    const longest = renderTemplate(fields.bodyText, WORST_CASE).length;
    if (longest > SMS_MAX_LENGTH) {
      throw new AppError(
        'validation_failed',
        `The field \`bodyText\`: with long names this text reaches ${longest} characters; keep it to ${SMS_MAX_LENGTH} (two SMS segments).`,
        { field: 'bodyText' },
      );
    }
  }
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await tx
      .insert(messageTemplates)
      .values({ workspaceId: actor.workspaceId, kind, channel, ...fields, updatedBy: actor.name, updatedAt: at })
      .onConflictDoUpdate({
        target: [messageTemplates.workspaceId, messageTemplates.kind, messageTemplates.channel],
        set: { ...fields, updatedBy: actor.name, updatedAt: at },
      });
    await recordAudit(tx, actor, at, {
      action: 'message_template.saved',
      objectType: 'message_template',
      objectId: `${kind}/${channel}`,
      after: fields,
    });
  });
}

/**
 * Staff send a thank-you by hand (consent still applies), or record one given another way
 * (a call, a card), which moves the reward to thanked.
 */
async function thankByHand(
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
      const row = await updateRewardFrom(tx, actor.workspaceId, id, ['sent'], {
        status: 'thanked',
        thankedAt: at,
        updatedAt: at,
      });
      if (!row) throw new AppError('invalid_transition', 'The reward changed meanwhile; reload it.');
      await recordAudit(tx, actor, at, {
        action: 'reward.thanked',
        objectType: 'reward',
        objectId: id,
        before: { status: 'sent' },
        after: { status: 'thanked', by: 'hand', note: input.note ?? null },
      });
      return;
    }
    const [workspace] = await tx.select().from(workspaces).where(eq(workspaces.id, actor.workspaceId));
    const referrer = await findParticipant(tx, actor.workspaceId, reward.referrerId);
    if (!workspace || !referrer) throw notFound('Referrer');
    const policy = await currentPolicy(tx, actor.workspaceId, reward.programId);
    const outcomes = await queueReferrerMessages(tx, {
      kind: 'thank_you',
      workspace,
      rewardId: id,
      rewardSummary: reward.summary,
      referrer,
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

export function messagingRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Messaging'];
    const KindChannel = z.strictObject({ kind: z.enum(MESSAGE_KINDS), channel: z.enum(['email', 'sms']) });

    r.get('/v1/message-templates', {
      schema: {
        tags,
        summary: 'Message templates (the workspace’s own, or the defaults)',
        response: { 200: TemplateListSchema },
      },
      handler: async (request) => ({ items: await templatesOf(deps, requireActor(request).workspaceId) }),
    });
    r.put('/v1/message-templates/:kind/:channel', {
      config: { permission: 'settings:write' },
      schema: {
        tags,
        summary: 'Save a template (variables are checked; SMS must fit two segments)',
        params: KindChannel,
        body: TemplateInputSchema,
        response: { 200: TemplateListSchema },
      },
      handler: async (request) => {
        const actor = requireActor(request);
        await saveTemplate(deps, actor, request.params.kind, request.params.channel, request.body);
        return { items: await templatesOf(deps, actor.workspaceId) };
      },
    });
    r.delete('/v1/message-templates/:kind/:channel', {
      config: { permission: 'settings:write' },
      schema: {
        tags,
        summary: 'Go back to the default template',
        params: KindChannel,
        response: { 200: TemplateListSchema },
      },
      handler: async (request) => {
        const actor = requireActor(request);
        await deps.db
          .delete(messageTemplates)
          .where(
            and(
              eq(messageTemplates.workspaceId, actor.workspaceId),
              eq(messageTemplates.kind, request.params.kind),
              eq(messageTemplates.channel, request.params.channel),
            ),
          );
        return { items: await templatesOf(deps, actor.workspaceId) };
      },
    });

    r.post('/v1/rewards/:id/thank-you', {
      config: { permission: 'messages:send' },
      schema: {
        tags: ['Rewards'],
        summary: 'Send a thank-you by hand, or record one given another way',
        params: RewardParamsSchema,
        body: z.strictObject({
          action: z.enum(['send', 'mark']),
          channel: z.enum(['email', 'sms', 'email_and_sms']).optional(),
          note: NoteSchema.optional(),
        }),
        response: { 200: RewardDetailSchema },
      },
      handler: async (request) => thankByHand(deps, requireActor(request), request.params.id, request.body),
    });

    r.get('/v1/messaging/outbox', {
      schema: {
        tags,
        summary: 'What waits in this workspace’s outbox, per channel, and why held messages are held',
        response: { 200: OutboxStatusSchema },
      },
      handler: async (request) => outboxStatus(deps.db, requireActor(request).workspaceId),
    });

    r.get('/v1/participants/:id/messages', {
      schema: {
        tags: ['Participants'],
        summary: 'Everything sent (or skipped) to a participant, newest first',
        params: z.strictObject({ id: IdSchema }),
        response: { 200: MessageViewListSchema },
      },
      handler: async (request) => {
        const actor = requireActor(request);
        const person = await findParticipant(deps.db, actor.workspaceId, request.params.id);
        if (!person) throw notFound('Participant');
        const rows = await deps.db
          .select()
          .from(messages)
          .where(and(eq(messages.workspaceId, actor.workspaceId), eq(messages.participantId, person.id)))
          .orderBy(desc(messages.createdAt), desc(messages.id))
          .limit(200);
        return {
          items: rows.map((row) => ({
            ...presentMessage(row),
            rewardId: row.rewardId,
            subject: row.subject,
            bodyText: row.bodyText,
          })),
        };
      },
    });
  };
}
