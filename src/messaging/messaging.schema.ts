import { z } from 'zod';
import { TimestampSchema, text } from '../shared/schemas.js';
import { MESSAGE_KINDS } from './templates.core.js';

export const TemplateSchema = z
  .object({
    kind: z.enum(MESSAGE_KINDS),
    channel: z.enum(['email', 'sms']),
    subject: z.string().nullable(),
    bodyText: z.string(),
    bodyHtml: z.string().nullable(),
    custom: z.boolean(),
    variables: z.array(z.string()),
  })
  .meta({ id: 'MessageTemplate' });

export const TemplateListSchema = z.object({ items: z.array(TemplateSchema) });

export const TemplateInputSchema = z.strictObject({
  subject: text(200).nullable().optional(),
  bodyText: text(5000, 1),
  bodyHtml: text(20_000).nullable().optional(),
});

/** A message as a person's history shows it: what was sent, or why it was skipped. */
export const MessageViewSchema = z.object({
  messageId: z.string(),
  rewardId: z.string().nullable(),
  kind: z.string(),
  channel: z.enum(['email', 'sms']),
  status: z.string(),
  skipReason: z.string().nullable(),
  to: z.string().nullable(),
  subject: z.string().nullable(),
  bodyText: z.string(),
  attempts: z.number(),
  sentAt: TimestampSchema.nullable(),
  deliveredAt: TimestampSchema.nullable(),
  lastError: z.string().nullable(),
  createdAt: TimestampSchema,
});

export const MessageViewListSchema = z.object({ items: z.array(MessageViewSchema) });

export const ChannelOutboxSchema = z.object({
  waiting: z.number().meta({ description: 'Queued or being sent.' }),
  held: z.number().meta({
    description:
      'Refused because of the server’s configuration (sender address, credentials); they go out once it is fixed.',
  }),
  heldBecause: z.string().nullable().meta({ description: 'The provider’s latest answer for a held message.' }),
});
/** What waits in a workspace's outbox, per channel. */
export const OutboxStatusSchema = z.object({ email: ChannelOutboxSchema, sms: ChannelOutboxSchema });

export type MessageTemplate = z.infer<typeof TemplateSchema>;
export type MessageTemplateList = z.infer<typeof TemplateListSchema>;
export type TemplateInput = z.infer<typeof TemplateInputSchema>;
export type MessageView = z.infer<typeof MessageViewSchema>;
export type MessageViewList = z.infer<typeof MessageViewListSchema>;
export type OutboxStatus = z.infer<typeof OutboxStatusSchema>;
