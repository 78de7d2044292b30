import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { SatisfactionQuerySchema, SatisfactionReportSchema } from './satisfaction.schema.js';
import { growthReport } from './satisfaction.service.js';

export function satisfactionRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/v1/reports/growth', {
      schema: {
        tags: ['Reports'],
        summary: 'Referrer satisfaction (average, distribution, response rate) and the funnel per month',
        description:
          'Over the last `months` calendar months (UTC): thank-you ratings (1-5, by email link or texted digit) against thank-yous sent, and invitations sent → link clicks → leads → conversions → rewards sent, each with the rate from the stage before.',
        querystring: SatisfactionQuerySchema,
        response: { 200: SatisfactionReportSchema },
      },
      handler: async (request) => growthReport(deps, requireActor(request), request.query),
    });
  };
}
