import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { DashboardSchema } from './report.schema.js';
import { dashboard } from './report.service.js';

export function dashboardRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get('/v1/reports/dashboard', {
      schema: {
        tags: ['Reports'],
        summary: 'Program measurements: totals and weekly figures',
        querystring: z.strictObject({ weeks: z.coerce.number().int().min(1).max(104).default(12) }),
        response: { 200: DashboardSchema },
      },
      handler: async (request) => dashboard(deps, requireActor(request), request.query.weeks),
    });
  };
}
