import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { IdSchema, pageSchema } from '../shared/schemas.js';
import {
  ConversionInputSchema,
  ConversionListQuerySchema,
  ConversionResultSchema,
  ConversionSchema,
} from './conversion.schema.js';
import { getConversion, listConversions, recordConversion } from './conversion.service.js';

export function conversionRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Conversions'];
    r.post('/v1/conversions', {
      config: { permission: 'conversions:write' },
      schema: {
        tags,
        summary: 'Record a conversion event (deal won, job invoiced, invoice paid, refund, chargeback)',
        description:
          'Idempotent by (source, externalId): a replay answers 200 with exactly the first answer and creates nothing. The same id with different data is refused (409).',
        body: ConversionInputSchema,
        response: { 200: ConversionResultSchema, 201: ConversionResultSchema },
      },
      handler: async (request, reply) => {
        const { created, body } = await recordConversion(deps, requireActor(request), request.body);
        return reply.code(created ? 201 : 200).send(body);
      },
    });
    r.get('/v1/conversions', {
      schema: {
        tags,
        summary: 'Recent conversion events with their outcome',
        querystring: ConversionListQuerySchema,
        response: { 200: pageSchema(ConversionSchema) },
      },
      handler: async (request) => listConversions(deps, requireActor(request), request.query),
    });
    r.get('/v1/conversions/:id', {
      schema: {
        tags,
        summary: 'Get a conversion event',
        params: z.strictObject({ id: IdSchema }),
        response: { 200: ConversionSchema },
      },
      handler: async (request) => getConversion(deps, requireActor(request), request.params.id),
    });
  };
}
