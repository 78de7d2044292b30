import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { AppError } from '../shared/errors.js';
import { IdSchema, pageSchema } from '../shared/schemas.js';
import { type BatchEventResult, runConversionBatch } from './batch.service.js';
import { createConversionBatcher } from './batcher.js';
import {
  ConversionBatchInputSchema,
  ConversionBatchResultSchema,
  ConversionInputSchema,
  ConversionListQuerySchema,
  ConversionResultSchema,
  ConversionSchema,
} from './conversion.schema.js';
import { getConversion, listConversions } from './conversion.service.js';

export function conversionRoutes(deps: Deps) {
  // Concurrent requests share one transaction; each still gets its own answer.
  const batcher = createConversionBatcher(deps);
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
        const result = await batcher.submit(requireActor(request), request.body);
        if (result.error || !result.body) throw result.error ?? new Error('the engine answered nothing');
        return reply.code(result.status === 201 ? 201 : 200).send(result.body);
      },
    });
    r.post('/v1/conversions/batch', {
      config: { permission: 'conversions:write' },
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags,
        summary: 'Record up to 1,000 conversion events in one request (backfills, busy integrations)',
        description:
          'Events are applied in order, in one transaction, exactly as if sent one by one. Answers 200 with one result per event, in input order: `status` is the HTTP status the event would have had alone (201 recorded, 200 replay, 4xx with the problem in `error`). Valid events are recorded even when others are refused.',
        body: ConversionBatchInputSchema,
        response: { 200: ConversionBatchResultSchema },
      },
      handler: async (request) => {
        const actor = requireActor(request);
        // Each event is checked on its own: a mistake in one is that event's answer, not the request's.
        const parsed = request.body.events.map((raw) => parseEvent(raw));
        const valid = parsed.flatMap((item, index) => (item instanceof AppError ? [] : [{ index, input: item }]));
        const recorded = await runConversionBatch(
          deps,
          valid.map(({ input }) => ({ actor, input })),
        );
        const results: BatchEventResult[] = parsed.map((item, index) =>
          item instanceof AppError ? { index, status: item.status, error: item } : { index, status: 0 },
        );
        for (const [position, { index }] of valid.entries()) {
          const result = recorded[position];
          if (result) results[index] = { ...result, index };
        }
        return { results: results.map(presentBatchResult) };
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

function presentBatchResult(result: BatchEventResult) {
  return {
    index: result.index,
    status: result.status,
    ...(result.body
      ? { outcome: result.body.outcome, conversion: result.body.conversion, rewards: result.body.rewards }
      : {}),
    ...(result.error
      ? {
          error: {
            code: result.error.code,
            detail: result.error.message,
            ...(result.error.field ? { field: result.error.field } : {}),
          },
        }
      : {}),
  };
}

/** One event of a batch against the single route's schema, as the problem it would have had alone. */
function parseEvent(raw: unknown) {
  const result = ConversionInputSchema.safeParse(raw);
  if (result.success) return result.data;
  const errors = result.error.issues.flatMap((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => ({
      field: [...issue.path, ...(key === undefined ? [] : [key])].map(String).join('.') || 'body',
      message: key === undefined ? issue.message : 'Is not a known field.',
    }));
  });
  const first = errors[0];
  return new AppError(
    'validation_failed',
    first ? `The field \`${first.field}\`: ${first.message}` : 'The event is not valid.',
    { errors },
  );
}
