import { z } from 'zod';
import { IdSchema, PageQuerySchema, TimestampSchema, text } from '../shared/schemas.js';
import { checkEndpointUrl } from './address.core.js';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from './webhook-event.core.js';

export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);

const EventsSchema = z
  .array(WebhookEventTypeSchema)
  .min(1, 'Name at least one event type.')
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((events) => new Set(events).size === events.length, 'Must not name an event type twice.');

const UrlSchema = text(2000, 1).superRefine((value, ctx) => {
  const checked = checkEndpointUrl(value);
  if (!checked.ok) ctx.addIssue({ code: 'custom', message: checked.reason });
});

export const CreateWebhookEndpointSchema = z.strictObject({
  url: UrlSchema,
  events: EventsSchema,
  description: text(500).optional(),
});
export type CreateWebhookEndpoint = z.infer<typeof CreateWebhookEndpointSchema>;

export const UpdateWebhookEndpointSchema = z.strictObject({
  events: EventsSchema.optional(),
  description: text(500).optional(),
  /** true disables; false enables again (and clears the reason it was disabled). */
  disabled: z.boolean().optional(),
});
export type UpdateWebhookEndpoint = z.infer<typeof UpdateWebhookEndpointSchema>;

export const WebhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(WebhookEventTypeSchema),
  disabled: z.boolean(),
  disabledAt: TimestampSchema.nullable(),
  disabledReason: z.string().nullable(),
  failingSince: TimestampSchema.nullable(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpointSchema>;

export const WebhookEndpointWithSecretSchema = WebhookEndpointSchema.extend({
  secret: z.string().meta({ description: 'The signing secret (whsec_...). Shown only now.' }),
});

export const WebhookDeliverySchema = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string().meta({ description: 'The webhook-id header: the same on every attempt.' }),
  eventType: WebhookEventTypeSchema,
  objectId: z.string(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.number().int(),
  nextAttemptAt: TimestampSchema.nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastAttemptAt: TimestampSchema.nullable(),
  deliveredAt: TimestampSchema.nullable(),
  createdAt: TimestampSchema,
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const WebhookIdParamsSchema = z.strictObject({ id: IdSchema });
export const WebhookDeliveryListQuerySchema = PageQuerySchema;
