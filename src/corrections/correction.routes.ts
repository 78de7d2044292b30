import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { IdSchema } from '../shared/schemas.js';
import { VoidReferralInputSchema, VoidReferralResultSchema } from './correction.schema.js';
import { voidReferral } from './correction.service.js';

export function correctionRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.delete('/v1/referrals/:id', {
      config: { permission: 'referrals:void' },
      schema: {
        tags: ['Referrals'],
        summary: 'Void a wrongly logged referral; its reward is reversed',
        description:
          'Owner or finance. The referral is kept for the audit, marked voided, and leaves counts, the leaderboard and attribution. Its reward follows: unpaid, it is voided; paid, it is reversed with a clawback or recovery task, as for a refund. An open attribution dispute about the customer is decided for the referrer left when only one remains, otherwise checked again. Voiding an already voided referral answers 409 (the first void stands).',
        params: z.strictObject({ id: IdSchema }),
        body: VoidReferralInputSchema,
        response: { 200: VoidReferralResultSchema },
      },
      handler: async (request) => voidReferral(deps, requireActor(request), request.params.id, request.body),
    });
  };
}
