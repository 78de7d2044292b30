import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { IdSchema } from '../shared/schemas.js';
import {
  ParticipantPayoutsSchema,
  PayoutMeasuresQuerySchema,
  PayoutMeasuresSchema,
  TaxFormInputSchema,
  TaxReportQuerySchema,
  TaxReportSchema,
} from './tax.schema.js';
import { getParticipantPayouts, payoutMeasures, recordTaxForm, taxReport, taxReportCsv } from './tax.service.js';

const Params = z.strictObject({ id: IdSchema });

export function taxRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/v1/participants/:id/payouts', {
      schema: {
        tags: ['Participants'],
        summary: 'A participant’s tax form, paid-out rewards this year and lifetime value as a referrer',
        params: Params,
        response: { 200: ParticipantPayoutsSchema },
      },
      handler: async (request) => getParticipantPayouts(deps, requireActor(request), request.params.id),
    });
    r.put('/v1/participants/:id/tax-form', {
      config: { permission: 'payouts:manage' },
      schema: {
        tags: ['Participants'],
        summary: 'Record the tax form a payee sent (finance or owner; never the tax id itself)',
        params: Params,
        body: TaxFormInputSchema,
        response: { 200: ParticipantPayoutsSchema },
      },
      handler: async (request) => recordTaxForm(deps, requireActor(request), request.params.id, request.body),
    });
    r.get('/v1/reports/tax', {
      config: { permission: 'payouts:manage' },
      schema: {
        tags: ['Reports'],
        summary:
          'Each payee’s paid-out rewards in a calendar year: total, count, tax form, over or under the threshold',
        querystring: TaxReportQuerySchema,
        response: { 200: TaxReportSchema },
      },
      handler: async (request) => taxReport(deps, requireActor(request), request.query.year),
    });
    r.get('/v1/reports/tax.csv', {
      config: { permission: 'payouts:manage' },
      schema: {
        tags: ['Reports'],
        summary: 'The tax report as CSV',
        querystring: TaxReportQuerySchema,
        produces: ['text/csv'],
      },
      handler: async (request, reply) => {
        const { csv, rows } = await taxReportCsv(deps, requireActor(request), request.query.year);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="tax-${request.query.year}.csv"`)
          .header('x-export-rows', String(rows))
          .header('cache-control', 'no-store')
          .send(csv);
      },
    });
    r.get('/v1/reports/payouts', {
      schema: {
        tags: ['Reports'],
        summary: 'Payout time (approved → paid, median per month) and reward cost by type',
        querystring: PayoutMeasuresQuerySchema,
        response: { 200: PayoutMeasuresSchema },
      },
      handler: async (request) => payoutMeasures(deps, requireActor(request), request.query.months),
    });
  };
}
