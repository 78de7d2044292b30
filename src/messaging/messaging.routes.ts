import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { IdSchema } from '../shared/schemas.js';
import {
  MessageViewListSchema,
  OutboxStatusSchema,
  TemplateInputSchema,
  TemplateListSchema,
} from './messaging.schema.js';
import { messagesOfParticipant, outboxOf, resetTemplate, saveTemplate, templatesOf } from './messaging.service.js';
import { MESSAGE_KINDS } from './templates.core.js';

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
        await resetTemplate(deps, actor, request.params.kind, request.params.channel);
        return { items: await templatesOf(deps, actor.workspaceId) };
      },
    });

    r.get('/v1/messaging/outbox', {
      schema: {
        tags,
        summary: 'What waits in this workspace’s outbox, per channel, and why held messages are held',
        response: { 200: OutboxStatusSchema },
      },
      handler: async (request) => outboxOf(deps, requireActor(request)),
    });

    r.get('/v1/participants/:id/messages', {
      schema: {
        tags: ['Participants'],
        summary: 'Everything sent (or skipped) to a participant, newest first',
        params: z.strictObject({ id: IdSchema }),
        response: { 200: MessageViewListSchema },
      },
      handler: async (request) => ({
        items: await messagesOfParticipant(deps, requireActor(request), request.params.id),
      }),
    });
  };
}
