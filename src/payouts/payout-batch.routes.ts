import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { IdSchema, pageSchema } from '../shared/schemas.js';
import {
  ApprovePayoutBatchSchema,
  CancelPayoutBatchSchema,
  CreatePayoutBatchSchema,
  MarkPaidSchema,
  PayoutBatchListQuerySchema,
  PayoutBatchSchema,
  PayoutExportQuerySchema,
} from './payout-batch.schema.js';
import {
  approveBatch,
  cancelBatch,
  createBatch,
  exportBatch,
  getBatch,
  listBatches,
  markBatchPaid,
} from './payout-batch.service.js';

const Params = z.strictObject({ id: IdSchema });

export function payoutBatchRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Payout batches'];
    const one = { 200: PayoutBatchSchema };

    r.get('/v1/payout-batches', {
      config: { permission: 'payouts:manage' },
      schema: {
        tags,
        summary: 'Payout batches, newest first',
        querystring: PayoutBatchListQuerySchema,
        response: { 200: pageSchema(PayoutBatchSchema) },
      },
      handler: async (request) => listBatches(deps, requireActor(request), request.query),
    });
    r.post('/v1/payout-batches', {
      config: { permission: 'payouts:manage' },
      schema: {
        tags,
        summary: 'Draft a payout batch (finance or owner)',
        description:
          'Takes every approved reward of a paid-out type (gift card, commission share, custom with an amount) in the ' +
          'currency, approved up to `through` (default now), not in another open batch, without an open flag and not ' +
          'ordered from a provider: one line per payee. 422 when there is nothing to pay.',
        body: CreatePayoutBatchSchema,
        response: { 201: PayoutBatchSchema },
      },
      handler: async (request, reply) => {
        const batch = await createBatch(deps, requireActor(request), request.body);
        return reply.code(201).send(batch);
      },
    });
    r.get('/v1/payout-batches/:id', {
      config: { permission: 'payouts:manage' },
      schema: { tags, summary: 'A payout batch with its lines and approvals', params: Params, response: one },
      handler: async (request) => getBatch(deps, requireActor(request), request.params.id),
    });
    r.post('/v1/payout-batches/:id/approve', {
      config: { permission: 'payouts:manage' },
      schema: {
        tags,
        summary: 'Approve a draft batch (not its maker; two different people above the two-person amount)',
        params: Params,
        body: ApprovePayoutBatchSchema,
        response: one,
      },
      handler: async (request) => approveBatch(deps, requireActor(request), request.params.id, request.body),
    });
    r.get('/v1/payout-batches/:id/export.csv', {
      config: { permission: 'payouts:manage' },
      schema: {
        tags,
        summary: 'An approved batch as CSV: generic, or PayPal Payouts bulk upload',
        description:
          '`generic`: a header, then payee, email, amount (decimal), amountMinor, currency, rewardIds (space-separated), ' +
          'participantId, batchId. `paypal`: the Payouts Web bulk file, no header: email, amount, currency, customer id, ' +
          "note, PAYPAL (422 when a payee has no email). Text cells starting with = + - @ get a leading '.",
        params: Params,
        querystring: PayoutExportQuerySchema,
        produces: ['text/csv'],
      },
      handler: async (request, reply) => {
        const { csv, filename, rows } = await exportBatch(
          deps,
          requireActor(request),
          request.params.id,
          request.query.format,
        );
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${filename}"`)
          .header('x-export-rows', String(rows))
          .header('cache-control', 'no-store')
          .send(csv);
      },
    });
    r.post('/v1/payout-batches/:id/mark-paid', {
      config: { permission: 'payouts:manage' },
      schema: {
        tags,
        summary: 'Record the payment: every reward in the batch becomes sent with the reference, thank-yous follow',
        params: Params,
        body: MarkPaidSchema,
        response: one,
      },
      handler: async (request) => markBatchPaid(deps, requireActor(request), request.params.id, request.body),
    });
    r.post('/v1/payout-batches/:id/cancel', {
      config: { permission: 'payouts:manage' },
      schema: {
        tags,
        summary: 'Cancel a draft or approved batch (not after payment): its rewards are free again',
        params: Params,
        body: CancelPayoutBatchSchema,
        response: one,
      },
      handler: async (request) => cancelBatch(deps, requireActor(request), request.params.id, request.body),
    });
  };
}
