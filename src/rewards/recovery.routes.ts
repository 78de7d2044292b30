import { and, desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.repo.js';
import { recoveryTasks } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { AppError, notFound } from '../shared/errors.js';
import { IdSchema, ReasonSchema } from '../shared/schemas.js';
import { RecoveryTaskSchema } from './reward.schema.js';

/**
 * Clawbacks (cash-like rewards) and recovery tasks (gift cards, codes, credits) created when a
 * paid reward's conversion is refunded or charged back: work for a person, tracked to the end.
 */
const TaskSchema = RecoveryTaskSchema.extend({ rewardId: z.string(), conversionId: z.string() }).meta({
  id: 'RecoveryTask',
});

function present(row: typeof recoveryTasks.$inferSelect) {
  return {
    id: row.id,
    rewardId: row.rewardId,
    conversionId: row.conversionId,
    kind: row.kind,
    amount: row.amount,
    currency: row.currency,
    reason: row.reason,
    status: row.status,
    resolution: row.resolution,
    createdAt: row.createdAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
  };
}

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
      handler: async (request) => {
        const actor = requireActor(request);
        const rows = await deps.db
          .select()
          .from(recoveryTasks)
          .where(
            and(
              eq(recoveryTasks.workspaceId, actor.workspaceId),
              ...(request.query.status ? [eq(recoveryTasks.status, request.query.status)] : []),
            ),
          )
          .orderBy(desc(recoveryTasks.createdAt))
          .limit(500);
        return { items: rows.map(present) };
      },
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
      handler: async (request) => {
        const actor = requireActor(request);
        const at = deps.clock.now();
        return deps.db.transaction(async (tx) => {
          const [task] = await tx
            .select()
            .from(recoveryTasks)
            .where(and(eq(recoveryTasks.workspaceId, actor.workspaceId), eq(recoveryTasks.id, request.params.id)))
            .for('update');
          if (!task) throw notFound('Recovery task');
          if (task.status !== 'open') throw new AppError('invalid_transition', `This task is already ${task.status}.`);
          const [row] = await tx
            .update(recoveryTasks)
            .set({ status: request.body.status, resolution: request.body.note, resolvedBy: actor.id, resolvedAt: at })
            .where(and(eq(recoveryTasks.workspaceId, actor.workspaceId), eq(recoveryTasks.id, task.id)))
            .returning();
          if (!row) throw notFound('Recovery task');
          await recordAudit(tx, actor, at, {
            action: `recovery_task.${request.body.status}`,
            objectType: 'recovery_task',
            objectId: row.id,
            before: { status: 'open' },
            after: { status: row.status, note: request.body.note },
          });
          return present(row);
        });
      },
    });
  };
}
