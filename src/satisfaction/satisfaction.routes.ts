import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { funnelRows, monthsBack, satisfactionSummary } from './satisfaction.core.js';
import { funnelCounts, ratingCounts } from './satisfaction.repo.js';
import { SatisfactionQuerySchema, SatisfactionReportSchema } from './satisfaction.schema.js';

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
      handler: async (request) => {
        const actor = requireActor(request);
        const months = monthsBack(deps.clock.now(), request.query.months);
        const from = new Date(`${months[0]}-01T00:00:00Z`);
        const [ratings, funnel] = await Promise.all([
          ratingCounts(deps.db, actor.workspaceId, from),
          funnelCounts(deps.db, actor.workspaceId, from),
        ]);
        return { satisfaction: satisfactionSummary(ratings), funnel: funnelRows(months, funnel) };
      },
    });
  };
}
