import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { JobInputSchema, JobSchema } from './job.schema.js';
import { recordJob } from './job.service.js';

export function jobRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.post('/v1/jobs', {
      config: { permission: 'jobs:write' },
      schema: {
        tags: ['Jobs'],
        summary: 'Record a completed job and its satisfaction score (a satisfied customer is invited to refer)',
        description:
          'Idempotent by `externalId`: posting the same job again answers 200 with what is recorded; posting it again with a `satisfactionScore` adds the score (once). A score at or above the rules’ `inviteMinScore` queues one invitation (at most one per customer per `inviteCooldownDays`) on `inviteChannel`, after `inviteDelayHours` and inside the workspace’s send window; a lower score, or none, invites nobody.',
        body: JobInputSchema,
        response: { 200: JobSchema, 201: JobSchema },
      },
      handler: async (request, reply) => {
        const { created, job } = await recordJob(deps, requireActor(request), request.body);
        return reply.code(created ? 201 : 200).send(job);
      },
    });
  };
}
