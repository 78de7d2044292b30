import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { DateTimeSchema } from '../shared/schemas.js';
import { EligibilityAccuracyReportSchema } from './report.schema.js';
import { eligibilityAccuracy } from './report.service.js';

export function reportRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get('/v1/reports/eligibility-accuracy', {
      schema: {
        tags: ['Reports'],
        summary: 'Share of sent rewards with complete eligibility evidence (target 100%)',
        querystring: z.strictObject({ from: DateTimeSchema.optional(), to: DateTimeSchema.optional() }),
        response: { 200: EligibilityAccuracyReportSchema },
      },
      handler: async (request) => eligibilityAccuracy(deps, requireActor(request), request.query),
    });
  };
}
