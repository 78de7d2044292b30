import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireActor } from '../http/auth.js';
import { AppError } from '../shared/errors.js';
import {
  HubspotSettingsInputSchema,
  IntegrationStatusSchema,
  IntegrationsOverviewSchema,
  StripeSettingsInputSchema,
  TremendousSettingsInputSchema,
  WebhookAnswerSchema,
} from './integration.schema.js';
import {
  configureHubspot,
  configureStripe,
  configureTremendous,
  getIntegrationsOverview,
  type IntegrationDeps,
  receiveHubspotEvents,
  receiveStripeEvent,
} from './integration.service.js';

/** Settings → Integrations: connect Stripe and HubSpot, and see what they sent (owner only). */
export function integrationRoutes(deps: IntegrationDeps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/v1/integrations', {
      config: { permission: 'integrations:manage' },
      schema: {
        tags: ['Integrations'],
        summary: 'Stripe, HubSpot and Tremendous connections, the webhook URLs and the last events received',
        response: { 200: IntegrationsOverviewSchema },
      },
      handler: async (request) => getIntegrationsOverview(deps, requireActor(request)),
    });
    r.put('/v1/integrations/stripe', {
      config: { permission: 'integrations:manage' },
      schema: {
        tags: ['Integrations'],
        summary: 'Connect Stripe: the webhook signing secret (rotate with keepPrevious)',
        body: StripeSettingsInputSchema,
        response: { 200: IntegrationStatusSchema },
      },
      handler: async (request) => configureStripe(deps, requireActor(request), request.body),
    });
    r.put('/v1/integrations/hubspot', {
      config: { permission: 'integrations:manage' },
      schema: {
        tags: ['Integrations'],
        summary: "Connect HubSpot: the app's client secret, an access token and the closed-won stages",
        body: HubspotSettingsInputSchema,
        response: { 200: IntegrationStatusSchema },
      },
      handler: async (request) => configureHubspot(deps, requireActor(request), request.body),
    });
    r.put('/v1/integrations/tremendous', {
      config: { permission: 'integrations:manage' },
      schema: {
        tags: ['Integrations'],
        summary: 'Connect Tremendous: an API key, campaign and funding source to order gift cards with',
        description:
          'With the policy’s `autoFulfil`, each approved gift card is ordered from Tremendous. The key is stored encrypted and never shown again; send a new one to rotate it.',
        body: TremendousSettingsInputSchema,
        response: { 200: IntegrationStatusSchema },
      },
      handler: async (request) => configureTremendous(deps, requireActor(request), request.body),
    });
  };
}

const SlugParams = z.object({ workspaceSlug: z.string().max(200) });

/**
 * Where Stripe and HubSpot post. Signatures are over the exact bytes received, so this plugin
 * keeps the raw body (a Buffer) and the service parses it only after the signature checks.
 */
export function integrationWebhookRoutes(deps: IntegrationDeps) {
  return async (app: FastifyInstance) => {
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 512 * 1024 }, (_r, body, done) =>
      done(null, body),
    );
    const r = app.withTypeProvider<ZodTypeProvider>();
    const rawBody = (body: unknown): Buffer => {
      if (Buffer.isBuffer(body)) return body;
      throw new AppError('unsupported_media_type', 'Send the event as application/json.', { field: 'content-type' });
    };
    r.post('/webhooks/stripe/:workspaceSlug', {
      config: { public: true },
      schema: { hide: true, params: SlugParams, response: { 200: WebhookAnswerSchema } },
      handler: async (request) =>
        receiveStripeEvent(deps, {
          workspaceSlug: request.params.workspaceSlug,
          rawBody: rawBody(request.body),
          signature: request.headers['stripe-signature'] as string | undefined,
        }),
    });
    r.post('/webhooks/hubspot/:workspaceSlug', {
      config: { public: true },
      schema: { hide: true, params: SlugParams, response: { 200: WebhookAnswerSchema } },
      handler: async (request) =>
        receiveHubspotEvents(deps, {
          workspaceSlug: request.params.workspaceSlug,
          method: request.method,
          // HubSpot signs the URL it posted to: our public address, not the one the proxy forwarded to.
          uri: `${deps.publicUrl}${request.url}`,
          rawBody: rawBody(request.body).toString('utf8'),
          signature: request.headers['x-hubspot-signature-v3'] as string | undefined,
          timestamp: request.headers['x-hubspot-request-timestamp'] as string | undefined,
        }),
    });
  };
}
