import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { CreditParamsSchema, CreditRedemptionSchema, CreditsSchema, RedeemCreditSchema } from './credit.schema.js';
import { getCredits, redeemCredit } from './credit.service.js';

export function creditRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Credits'];
    r.get('/v1/participants/:id/credits', {
      schema: {
        tags,
        summary: "A participant's account credit: balances per currency and the ledger, newest first",
        params: CreditParamsSchema,
        response: { 200: CreditsSchema },
      },
      handler: async (request) => getCredits(deps, requireActor(request), request.params.id),
    });
    r.post('/v1/participants/:id/credits/redeem', {
      config: { permission: 'credits:redeem' },
      schema: {
        tags,
        summary: 'Redeem credit (your billing system applying it to an invoice)',
        description: 'More than the balance is refused with 409 `insufficient_credit` and takes nothing.',
        params: CreditParamsSchema,
        body: RedeemCreditSchema,
        response: { 201: CreditRedemptionSchema },
      },
      handler: async (request, reply) => {
        const result = await redeemCredit(deps, requireActor(request), request.params.id, request.body);
        return reply.code(201).send(result);
      },
    });
  };
}
