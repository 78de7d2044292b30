import { z } from 'zod';
import { TimestampSchema, text } from '../shared/schemas.js';
import { INTEGRATION_EVENT_STATUSES, INTEGRATION_PROVIDERS, isAllowedTremendousUrl } from './integration.core.js';

/**
 * The integrations contract: connecting Stripe and HubSpot (owner only) and what Settings shows.
 * Secrets go in and never come out: answers carry a hint (`whsec_…a1b2`), not the secret.
 */
const SecretSchema = text(500, 8).refine((value) => !/\s/.test(value), 'Must not contain spaces.');

const KeepPrevious = z.boolean().default(false).meta({
  description:
    'Rotating: keep the secret being replaced valid for 24 hours beside the new one, so events signed with either verify while you switch.',
});

export const StripeSettingsInputSchema = z
  .strictObject({
    webhookSecret: SecretSchema.refine(
      (value) => value.startsWith('whsec_'),
      'Must be a Stripe signing secret (whsec_…).',
    ).meta({ description: "The endpoint's signing secret from Stripe (Developers → Webhooks), `whsec_…`." }),
    keepPrevious: KeepPrevious,
  })
  .meta({ id: 'StripeSettingsInput' });

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * HubSpot's API over https (`*.hubapi.com`, every region), or this machine (a local HubSpot
 * stand-in, tests). The access token goes with every call, so no other host — a private
 * address or a cloud metadata service — is ever asked (SSRF).
 */
const ApiUrlSchema = text(300, 1)
  .pipe(z.url({ protocol: /^https?$/, error: 'Must be an http(s) URL.' }))
  .refine((value) => {
    const url = new URL(value);
    const hubspot =
      url.protocol === 'https:' && (url.hostname === 'hubapi.com' || url.hostname.endsWith('.hubapi.com'));
    return hubspot || LOOPBACK.includes(url.hostname);
  }, "Must be HubSpot's API (https://…hubapi.com), or a stand-in on this machine (localhost).")
  .transform((value) => value.replace(/\/+$/, ''));

export const HubspotSettingsInputSchema = z
  .strictObject({
    clientSecret: SecretSchema.meta({ description: "Your HubSpot app's client secret (signs its webhooks)." }),
    accessToken: SecretSchema.meta({
      description: 'An access token with crm.objects.deals.read and crm.objects.contacts.read, to read won deals.',
    }),
    closedWonStages: z
      .array(text(100, 1))
      .min(1, 'Name at least one stage.')
      .max(50, 'At most 50 stages.')
      .optional()
      .meta({ description: 'Deal stage ids that mean won (default `["closedwon"]`).' }),
    apiUrl: ApiUrlSchema.optional().meta({ description: 'HubSpot API base URL (default https://api.hubapi.com).' }),
    keepPrevious: KeepPrevious,
  })
  .meta({ id: 'HubspotSettingsInput' });

/** Tremendous' production or sandbox API, or a stand-in on this machine: the key goes nowhere else. */
const TremendousApiUrlSchema = text(300, 1)
  .refine(
    isAllowedTremendousUrl,
    "Must be Tremendous' API (https://www.tremendous.com or https://testflight.tremendous.com), or a stand-in on this machine (localhost).",
  )
  .transform((value) => value.replace(/\/+$/, ''));

const TremendousIdSchema = text(100, 1).refine(
  (value) => /^[A-Za-z0-9_-]+$/.test(value),
  'Must be an id (letters, digits, - and _).',
);

export const TremendousSettingsInputSchema = z
  .strictObject({
    apiKey: SecretSchema.meta({ description: 'A Tremendous API key (Team settings → Developers). Shown never again.' }),
    campaignId: TremendousIdSchema.meta({ description: 'The campaign whose products the recipient chooses from.' }),
    fundingSourceId: TremendousIdSchema.meta({ description: 'The funding source orders are paid from.' }),
    apiUrl: TremendousApiUrlSchema.optional().meta({
      description:
        'Tremendous API base URL (default https://www.tremendous.com; the sandbox is https://testflight.tremendous.com).',
    }),
  })
  .meta({ id: 'TremendousSettingsInput' });

export const IntegrationEventSchema = z
  .object({
    provider: z.enum(INTEGRATION_PROVIDERS),
    eventId: z.string(),
    type: z.string(),
    status: z.enum(INTEGRATION_EVENT_STATUSES),
    detail: z.string(),
    conversionId: z.string().nullable(),
    participantId: z.string().nullable(),
    attempts: z.number(),
    receivedAt: TimestampSchema,
  })
  .meta({ id: 'IntegrationEvent' });

export const IntegrationStatusSchema = z
  .object({
    provider: z.enum(INTEGRATION_PROVIDERS),
    configured: z.boolean(),
    /** The URL to paste into the provider's webhook settings. */
    endpointUrl: z.string(),
    secretHint: z.string().nullable(),
    /** While rotating: until when the previous secret is still accepted. */
    previousValidUntil: TimestampSchema.nullable(),
    closedWonStages: z.array(z.string()).optional(),
    apiUrl: z.string().optional(),
    campaignId: z.string().optional(),
    fundingSourceId: z.string().optional(),
    updatedAt: TimestampSchema.nullable(),
  })
  .meta({ id: 'IntegrationStatus' });

export const IntegrationsOverviewSchema = z
  .object({
    /** False when the server has no key to encrypt secrets with (REWARDLOOP_SECRET_KEY on PostgreSQL). */
    secretsAvailable: z.boolean(),
    integrations: z.array(IntegrationStatusSchema),
    recentEvents: z.array(IntegrationEventSchema),
  })
  .meta({ id: 'IntegrationsOverview' });

/** What a webhook delivery is answered with (providers read only the status). */
export const WebhookAnswerSchema = z.object({
  received: z.boolean(),
  duplicate: z.boolean().optional(),
  events: z.array(z.object({ eventId: z.string(), status: z.string(), detail: z.string() })),
});

export type StripeSettingsInput = z.infer<typeof StripeSettingsInputSchema>;
export type HubspotSettingsInput = z.infer<typeof HubspotSettingsInputSchema>;
export type TremendousSettingsInput = z.infer<typeof TremendousSettingsInputSchema>;
export type IntegrationStatus = z.infer<typeof IntegrationStatusSchema>;
export type IntegrationsOverview = z.infer<typeof IntegrationsOverviewSchema>;
export type IntegrationEvent = z.infer<typeof IntegrationEventSchema>;
export type WebhookAnswer = z.infer<typeof WebhookAnswerSchema>;
