import { recordAudit } from '../audit/index.js';
import type { Deps } from '../deps.js';
import { findParticipant } from '../participants/index.js';
import type { Actor } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { presentMessage } from './message.presenter.js';
import { deleteTemplate, listCustomTemplates, listMessagesOfParticipant, upsertTemplate } from './message.repo.js';
import type { TemplateInput } from './messaging.schema.js';
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
  referralUrl: 'https://rewards.example.com/r/featherstonehaugh-sons-realty/K7QX2M9A',
  pageUrl: 'https://rewards.example.com/p/3f2c9a7e1b5d4c8fa0e6b2d9c4f1a7e3',
  ratingUrl: 'https://rewards.example.com/rate/d3NfMDFNODFLRDU3UVlGTlRFM05OVFhNMVBCUUs6bXNnXzAx.x',
  code: 'FRIEND-7K2QD-M9XPA-Q3ZTR-EXTRA64CHARACTERS',
};

export async function templatesOf(deps: Deps, workspaceId: string) {
  const custom = await listCustomTemplates(deps.db, workspaceId);
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

export async function saveTemplate(
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
    await upsertTemplate(tx, {
      workspaceId: actor.workspaceId,
      kind,
      channel,
      ...fields,
      updatedBy: actor.name,
      updatedAt: at,
    });
    await recordAudit(tx, actor, at, {
      action: 'message_template.saved',
      objectType: 'message_template',
      objectId: `${kind}/${channel}`,
      after: fields,
    });
  });
}

/** Back to the default template. */
export async function resetTemplate(deps: Deps, actor: Actor, kind: MessageKind, channel: 'email' | 'sms') {
  await deleteTemplate(deps.db, actor.workspaceId, kind, channel);
}

export async function outboxOf(deps: Deps, actor: Actor) {
  return outboxStatus(deps.db, actor.workspaceId);
}

export async function messagesOfParticipant(deps: Deps, actor: Actor, participantId: string) {
  const person = await findParticipant(deps.db, actor.workspaceId, participantId);
  if (!person) throw notFound('Participant');
  const rows = await listMessagesOfParticipant(deps.db, actor.workspaceId, person.id);
  return rows.map((row) => ({
    ...presentMessage(row),
    rewardId: row.rewardId,
    subject: row.subject,
    bodyText: row.bodyText,
  }));
}
