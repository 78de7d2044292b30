import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { pageSchema } from '../shared/schemas.js';
import {
  ParticipantCreateSchema,
  ParticipantListQuerySchema,
  ParticipantParamsSchema,
  ParticipantSchema,
  ParticipantUpdateSchema,
} from './participant.schema.js';
import {
  createParticipantAndLink,
  getParticipant,
  listParticipants,
  type ParticipantHooks,
  updateParticipantAndLink,
} from './participant.service.js';

export function participantRoutes(deps: Deps, options: ParticipantHooks) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Participants'];

    r.post('/v1/participants', {
      config: { permission: 'participants:write' },
      schema: {
        tags,
        summary: 'Add a participant (referrer or referred customer)',
        description: 'Every participant gets a permanent referral code and link. Phones are stored in E.164.',
        body: ParticipantCreateSchema,
        response: { 201: ParticipantSchema },
      },
      handler: async (request, reply) => {
        const participant = await createParticipantAndLink(
          deps,
          requireActor(request),
          request.body,
          options.linkAwaitingConversions,
        );
        return reply.code(201).send(participant);
      },
    });

    r.get('/v1/participants', {
      schema: {
        tags,
        summary: 'List participants, newest first, with their referral counts and rewards earned',
        querystring: ParticipantListQuerySchema,
        response: { 200: pageSchema(ParticipantSchema) },
      },
      handler: async (request) => listParticipants(deps, requireActor(request), request.query),
    });

    r.get('/v1/participants/:id', {
      schema: {
        tags,
        summary: 'Get a participant',
        params: ParticipantParamsSchema,
        response: { 200: ParticipantSchema },
      },
      handler: async (request) => getParticipant(deps, requireActor(request), request.params.id),
    });

    r.patch('/v1/participants/:id', {
      config: { permission: 'participants:write' },
      schema: {
        tags,
        summary: 'Change a participant (consent, contact details, kind...)',
        params: ParticipantParamsSchema,
        body: ParticipantUpdateSchema,
        response: { 200: ParticipantSchema },
      },
      handler: async (request) =>
        updateParticipantAndLink(deps, requireActor(request), request.params.id, request.body, options),
    });
  };
}
