import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Actor } from '../access/actor.js';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { presentRewards } from '../rewards/reward.presenter.js';
import { listRewardRows } from '../rewards/reward.repo.js';
import { CheckResultSchema, RewardSchema } from '../rewards/reward.schema.js';
import { decodeCursor, toPage } from '../shared/pagination.js';
import { PageQuerySchema, pageSchema } from '../shared/schemas.js';

/**
 * What waits for the caller: claims in review, oldest first, each with its recommendation,
 * checks and flags, and what (if anything) stops this caller from approving it right now.
 */
const ApprovalItemSchema = z
  .object({
    reward: RewardSchema,
    checks: z.array(CheckResultSchema),
    fraudSignals: z.array(z.object({ signal: z.string(), points: z.number(), detail: z.string() })),
    canApprove: z.boolean(),
    blockers: z.array(z.string()),
  })
  .meta({ id: 'ApprovalItem' });

async function listApprovals(deps: Deps, actor: Actor, query: { limit: number; cursor?: string | undefined }) {
  const rows = await listRewardRows(
    deps.db,
    actor.workspaceId,
    { status: ['in_review'] },
    { limit: query.limit, after: decodeCursor(query.cursor), oldestFirst: true },
  );
  const page = rows.slice(0, query.limit);
  const presented = new Map(
    (await presentRewards(deps.db, actor.workspaceId, page)).map((reward) => [reward.id, reward]),
  );
  const now = deps.clock.now();
  return toPage(
    rows.map((row) => ({ ...row, createdAt: row.reward.createdAt, id: row.reward.id })),
    query.limit,
    (row) => {
      const reward = presented.get(row.id);
      if (!reward) throw new Error('approval item vanished');
      const blockers: string[] = [];
      if (reward.openFlags > 0) {
        blockers.push(
          `${reward.openFlags} open flag(s): ${reward.flags
            .filter((f) => !f.resolved)
            .map((f) => f.type)
            .join(', ')}`,
        );
      }
      if (row.reward.holdUntil > now) blockers.push(`hold period until ${row.reward.holdUntil.toISOString()}`);
      if ([row.reward.createdBy, row.reward.amountChangedBy, row.reward.payeeChangedBy].includes(actor.id)) {
        blockers.push('you made or changed this claim (maker-checker)');
      }
      if (reward.approvals.some((a) => a.round === row.reward.reviewRound && a.approverId === actor.id)) {
        blockers.push('you already approved it; a second approver must be someone else');
      }
      return {
        reward,
        checks: row.reward.checks,
        fraudSignals: row.reward.checks.flatMap((check) => check.score ?? []),
        canApprove: blockers.length === 0,
        blockers,
      };
    },
  );
}

export function approvalRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get('/v1/approvals', {
      config: { permission: 'rewards:approve' },
      schema: {
        tags: ['Approvals'],
        summary: 'Claims waiting for approval, oldest first, with evidence, flags and blockers',
        querystring: PageQuerySchema,
        response: { 200: pageSchema(ApprovalItemSchema) },
      },
      handler: async (request) => listApprovals(deps, requireActor(request), request.query),
    });
  };
}
