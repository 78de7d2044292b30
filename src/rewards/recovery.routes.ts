import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { IdSchema, ReasonSchema } from '../shared/schemas.js';
import { listTasks, resolveTask } from './recovery.service.js';
import { RecoveryTaskSchema } from './reward.schema.js';

/**
 * Clawbacks (cash-like rewards) and recovery tasks (gift cards, codes, credits) created when a
 * paid reward's conversion is refunded or charged back: work for a person, tracked to the end.
 */
const TaskSchema = RecoveryTaskSchema.extend({ rewardId: z.string(), conversionId: z.string().nullable() }).meta({
  id: 'RecoveryTask',
});

export function recoveryRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Recovery tasks'];
    r.get('/v1/recovery-tasks', {
      schema: {
        tags,
        summary: 'Clawback and recovery tasks, newest first',
        querystring: z.strictObject({ status: z.enum(['open', 'done', 'waived']).optional() }),
        response: { 200: z.object({ items: z.array(TaskSchema) }) },
      },
      handler: async (request) => ({ items: await listTasks(deps, requireActor(request), request.query) }),
    });
    r.post('/v1/recovery-tasks/:id/resolve', {
      config: { permission: 'recovery:resolve' },
      schema: {
        tags,
        summary: 'Close a recovery task: done (recovered) or waived (written off), with a note',
        params: z.strictObject({ id: IdSchema }),
        body: z.strictObject({ status: z.enum(['done', 'waived']), note: ReasonSchema }),
        response: { 200: TaskSchema },
      },
      handler: async (request) => resolveTask(deps, requireActor(request), request.params.id, request.body),
    });
  };
}
