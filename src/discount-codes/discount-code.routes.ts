import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { AppError } from '../shared/errors.js';
import {
  CodeParamsSchema,
  CodePoolSchema,
  DiscountCodeSchema,
  ParticipantCodesParamsSchema,
  ParticipantCodesSchema,
  PoolUploadBodySchema,
  PoolUploadResultSchema,
  RedeemCodeSchema,
} from './discount-code.schema.js';
import { getPool, participantCodes, redeemCode, uploadPool } from './discount-code.service.js';

const POOL_BODY_LIMIT = 5 * 1024 * 1024;

async function readCsv(_request: FastifyRequest, payload: NodeJS.ReadableStream) {
  const chunks: Buffer[] = [];
  for await (const chunk of payload) chunks.push(Buffer.from(chunk as Buffer));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new AppError('validation_failed', 'The file is not UTF-8 text; save the CSV as UTF-8.', { field: 'body' });
  }
}

export function discountCodeRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Discount codes'];
    r.get('/v1/discount-codes/pool', {
      schema: {
        tags,
        summary: 'How many pool codes are left, and rewards waiting for one',
        response: { 200: CodePoolSchema },
      },
      handler: async (request) => getPool(deps, requireActor(request)),
    });
    r.post('/v1/discount-codes/:code/redeem', {
      config: { permission: 'codes:redeem' },
      schema: {
        tags,
        summary: 'Redeem an issued discount code (once; again is 409, an unknown code 404)',
        params: CodeParamsSchema,
        body: RedeemCodeSchema,
        response: { 200: DiscountCodeSchema },
      },
      handler: async (request) => redeemCode(deps, requireActor(request), request.params.code, request.body),
    });
    r.get('/v1/participants/:id/discount-codes', {
      schema: {
        tags,
        summary: "A participant's discount codes and whether each was redeemed",
        params: ParticipantCodesParamsSchema,
        response: { 200: ParticipantCodesSchema },
      },
      handler: async (request) => participantCodes(deps, requireActor(request), request.params.id),
    });
  };
}

/** The pool upload takes CSV only (the rest of the API takes JSON): anything else is a 415 that says so. */
export function discountCodePoolRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('text/csv', readCsv);
    app.addContentTypeParser('*', async () => {
      throw new AppError('unsupported_media_type', 'Send the codes as text/csv (Content-Type: text/csv).', {
        field: 'content-type',
      });
    });
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.post('/v1/discount-codes/pool', {
      config: { permission: 'settings:write' },
      bodyLimit: POOL_BODY_LIMIT,
      schema: {
        tags: ['Discount codes'],
        summary: 'Upload discount codes to the pool (owner): one code a line, all or none',
        description:
          'A text/csv body, one code a line, optionally `,` and an expiry (2026-12-31). A code twice in the file, or one the workspace already has, refuses the whole upload naming the lines. Rewards waiting for a code get theirs at once.',
        consumes: ['text/csv'],
        body: PoolUploadBodySchema,
        response: { 201: PoolUploadResultSchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await uploadPool(deps, requireActor(request), request.body)),
    });
  };
}
