import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { pageSchema } from '../shared/schemas.js';
import {
  CreateWebhookEndpointSchema,
  UpdateWebhookEndpointSchema,
  WebhookDeliveryListQuerySchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretSchema,
  WebhookIdParamsSchema,
} from './webhook.schema.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  rotateWebhookSecret,
  type SecretKey,
  updateWebhookEndpoint,
} from './webhook.service.js';

/** `secretKey` encrypts signing secrets at rest; without one, endpoints cannot be created (503). */
export function webhookEndpointRoutes(deps: Deps, secretKey: SecretKey) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Webhooks out'];
    const config = { permission: 'webhooks:manage' } as const;
    const params = WebhookIdParamsSchema;
    r.post('/v1/webhook-endpoints', {
      config: { ...config, secretInResponse: 'secret' },
      schema: {
        tags,
        summary: 'Register an endpoint for outgoing webhooks (its signing secret is shown once)',
        description:
          'Events are signed as Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) and retried for about three days.',
        body: CreateWebhookEndpointSchema,
        response: { 201: WebhookEndpointWithSecretSchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await createWebhookEndpoint(deps, secretKey, requireActor(request), request.body)),
    });
    r.get('/v1/webhook-endpoints', {
      config,
      schema: {
        tags,
        summary: 'Webhook endpoints',
        response: { 200: z.object({ items: z.array(WebhookEndpointSchema) }) },
      },
      handler: async (request) => listWebhookEndpoints(deps, requireActor(request)),
    });
    r.get('/v1/webhook-endpoints/:id', {
      config,
      schema: { tags, summary: 'A webhook endpoint', params, response: { 200: WebhookEndpointSchema } },
      handler: async (request) => getWebhookEndpoint(deps, requireActor(request), request.params.id),
    });
    r.patch('/v1/webhook-endpoints/:id', {
      config,
      schema: {
        tags,
        summary: 'Change the events, the description, or disable / enable an endpoint',
        params,
        body: UpdateWebhookEndpointSchema,
        response: { 200: WebhookEndpointSchema },
      },
      handler: async (request) => updateWebhookEndpoint(deps, requireActor(request), request.params.id, request.body),
    });
    r.delete('/v1/webhook-endpoints/:id', {
      config,
      schema: { tags, summary: 'Delete an endpoint and its deliveries', params, response: { 204: z.null() } },
      handler: async (request, reply) => {
        await deleteWebhookEndpoint(deps, requireActor(request), request.params.id);
        return reply.code(204).send(null);
      },
    });
    r.post('/v1/webhook-endpoints/:id/rotate-secret', {
      config: { ...config, secretInResponse: 'secret' },
      schema: {
        tags,
        summary: 'A new signing secret (shown once); the old one also signs for 24 hours',
        params,
        response: { 200: WebhookEndpointWithSecretSchema },
      },
      handler: async (request) => rotateWebhookSecret(deps, secretKey, requireActor(request), request.params.id),
    });
    r.get('/v1/webhook-endpoints/:id/deliveries', {
      config,
      schema: {
        tags,
        summary: "An endpoint's deliveries, newest first, with the last status code",
        params,
        querystring: WebhookDeliveryListQuerySchema,
        response: { 200: pageSchema(WebhookDeliverySchema) },
      },
      handler: async (request) => listWebhookDeliveries(deps, requireActor(request), request.params.id, request.query),
    });
    r.post('/v1/webhook-deliveries/:id/retry', {
      config,
      schema: {
        tags,
        summary: 'Send a delivery again now (same webhook-id and body)',
        params,
        response: { 200: WebhookDeliverySchema },
      },
      handler: async (request) => retryWebhookDelivery(deps, requireActor(request), request.params.id),
    });
  };
}
