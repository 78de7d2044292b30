import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { NoteSchema, pageSchema } from '../shared/schemas.js';
import {
  AdjustSchema,
  ApproveSchema,
  DeclineSchema,
  FlagParamsSchema,
  MarkFailedSchema,
  MarkSentSchema,
  NoteBodySchema,
  RejectSchema,
  ResolveFlagSchema,
  RetrySchema,
  RewardCountsSchema,
  RewardDetailSchema,
  RewardListQuerySchema,
  RewardParamsSchema,
  RewardSchema,
} from './reward.schema.js';
import {
  addRewardNote,
  adjustReward,
  approveReward,
  closeReward,
  countRewards,
  getReward,
  listRewards,
  markRewardSent,
  resolveFlag,
  retryReward,
} from './reward.service.js';
import { thankByHand } from './thank-you.service.js';

export function rewardRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Rewards'];
    const detail = { 200: RewardDetailSchema };

    r.get('/v1/rewards', {
      schema: {
        tags,
        summary: 'The reward queue, newest first',
        description:
          'Filter by `status` (comma-separated: in_review, pending, sent, thanked, declined, failed, rejected, reversed).',
        querystring: RewardListQuerySchema,
        response: { 200: pageSchema(RewardSchema) },
      },
      handler: async (request) => listRewards(deps, requireActor(request), request.query),
    });
    r.get('/v1/rewards/counts', {
      schema: {
        tags,
        summary: 'How many rewards are in each status (the queue’s tab counts)',
        response: { 200: RewardCountsSchema },
      },
      handler: async (request) => countRewards(deps, requireActor(request)),
    });
    r.get('/v1/rewards/:id', {
      schema: {
        tags,
        summary: 'A reward with its calculation, checks, flags, history and messages',
        params: RewardParamsSchema,
        response: detail,
      },
      handler: async (request) => getReward(deps, requireActor(request), request.params.id),
    });
    r.post('/v1/rewards/:id/approve', {
      config: { permission: 'rewards:approve' },
      schema: {
        tags,
        summary: 'Approve a claim in review (finance or owner)',
        params: RewardParamsSchema,
        body: ApproveSchema,
        response: detail,
      },
      handler: async (request) => approveReward(deps, requireActor(request), request.params.id, request.body),
    });
    r.post('/v1/rewards/:id/reject', {
      config: { permission: 'rewards:approve' },
      schema: {
        tags,
        summary: 'Reject a claim in review',
        params: RewardParamsSchema,
        body: RejectSchema,
        response: detail,
      },
      handler: async (request) => closeReward(deps, requireActor(request), request.params.id, 'reject', request.body),
    });
    r.post('/v1/rewards/:id/mark-sent', {
      config: { permission: 'rewards:fulfil' },
      schema: {
        tags,
        summary: 'Mark an approved reward sent (and queue the thank-you)',
        params: RewardParamsSchema,
        body: MarkSentSchema,
        response: detail,
      },
      handler: async (request) => markRewardSent(deps, requireActor(request), request.params.id, request.body),
    });
    r.post('/v1/rewards/:id/decline', {
      config: { permission: 'rewards:fulfil' },
      schema: {
        tags,
        summary: 'Record that the referrer declined the reward',
        params: RewardParamsSchema,
        body: DeclineSchema,
        response: detail,
      },
      handler: async (request) => closeReward(deps, requireActor(request), request.params.id, 'decline', request.body),
    });
    r.post('/v1/rewards/:id/mark-failed', {
      config: { permission: 'rewards:fulfil' },
      schema: {
        tags,
        summary: 'Record that fulfilment failed (fall back to manual)',
        params: RewardParamsSchema,
        body: MarkFailedSchema,
        response: detail,
      },
      handler: async (request) =>
        closeReward(deps, requireActor(request), request.params.id, 'mark_failed', request.body),
    });
    r.post('/v1/rewards/:id/retry', {
      config: { permission: 'rewards:fulfil' },
      schema: {
        tags,
        summary: 'Retry a failed fulfilment (back to approved; a provider order is placed again)',
        params: RewardParamsSchema,
        body: RetrySchema,
        response: detail,
      },
      handler: async (request) => retryReward(deps, requireActor(request), request.params.id, request.body),
    });
    r.post('/v1/rewards/:id/notes', {
      config: { permission: 'rewards:note' },
      schema: {
        tags,
        summary: 'Add a note to a reward',
        params: RewardParamsSchema,
        body: NoteBodySchema,
        response: detail,
      },
      handler: async (request) => addRewardNote(deps, requireActor(request), request.params.id, request.body),
    });
    r.post('/v1/rewards/:id/adjust', {
      config: { permission: 'rewards:adjust' },
      schema: {
        tags,
        summary: 'Correct an unpaid claim: a new amount or another referral as payee (maker-checker applies)',
        params: RewardParamsSchema,
        body: AdjustSchema,
        response: detail,
      },
      handler: async (request) => adjustReward(deps, requireActor(request), request.params.id, request.body),
    });
    r.post('/v1/rewards/:id/flags/:flagId/resolve', {
      config: { permission: 'flags:resolve' },
      schema: {
        tags,
        summary: 'Resolve a flag with a reason',
        params: FlagParamsSchema,
        body: ResolveFlagSchema,
        response: detail,
      },
      handler: async (request) =>
        resolveFlag(deps, requireActor(request), request.params.id, request.params.flagId, request.body),
    });

    r.post('/v1/rewards/:id/thank-you', {
      config: { permission: 'messages:send' },
      schema: {
        tags: ['Rewards'],
        summary: 'Send a thank-you by hand, or record one given another way',
        params: RewardParamsSchema,
        body: z.strictObject({
          action: z.enum(['send', 'mark']),
          channel: z.enum(['email', 'sms', 'email_and_sms']).optional(),
          note: NoteSchema.optional(),
        }),
        response: { 200: RewardDetailSchema },
      },
      handler: async (request) => thankByHand(deps, requireActor(request), request.params.id, request.body),
    });
  };
}
