import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { rowsOf } from '../db/json-rows.js';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { DateTimeSchema } from '../shared/schemas.js';
import { ACCURACY_CRITERIA, EligibilityAccuracyReportSchema } from './report.schema.js';

export function reportRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get('/v1/reports/eligibility-accuracy', {
      schema: {
        tags: ['Reports'],
        summary: 'Share of sent rewards with complete eligibility evidence (target 100%)',
        querystring: z.strictObject({ from: DateTimeSchema.optional(), to: DateTimeSchema.optional() }),
        response: { 200: EligibilityAccuracyReportSchema },
      },
      handler: async (request) => {
        const actor = requireActor(request);
        const from = request.query.from ? new Date(request.query.from).toISOString() : null;
        const to = request.query.to ? new Date(request.query.to).toISOString() : null;
        const rows = rowsOf<{ id: string; sent_at: string | Date; lacks: string[] }>(
          await deps.db.execute(sql`
            select r.id, r.sent_at, array_remove(array[
              case when r.attribution ? 'referralId' and f.id is not null then null else 'attribution_evidence' end,
              case when c.id is not null and c.type = any(pr.qualifying_types) then null else 'qualifying_event' end,
              case when length(r.terms_version) > 0 and pr.terms_version = r.terms_version then null else 'program_terms' end,
              case when jsonb_array_length(r.checks) > 0 and r.checks @> '[{"check": "self_referral"}]'::jsonb
                        and r.checks @> '[{"check": "duplicate_claim"}]'::jsonb then null else 'fraud_check' end,
              case when length(r.calculation) > 0 then null else 'payout_calculation' end,
              case when r.approval_record is not null and r.approved_at is not null then null else 'approval_record' end
            ], null) as lacks
            from rewards r
            left join referrals f on f.workspace_id = r.workspace_id and f.id = r.referral_id
            left join conversions c on c.workspace_id = r.workspace_id and c.id = r.conversion_id
            left join program_rules pr on pr.workspace_id = r.workspace_id and pr.program_id = r.program_id and pr.version = r.rules_version
            where r.workspace_id = ${actor.workspaceId} and r.sent_at is not null
              and (${from}::timestamptz is null or r.sent_at >= ${from}::timestamptz)
              and (${to}::timestamptz is null or r.sent_at < ${to}::timestamptz)
            order by r.sent_at`),
        );
        const incomplete = rows
          .filter((row) => row.lacks.length > 0)
          .map((row) => ({
            rewardId: row.id,
            sentAt: new Date(row.sent_at).toISOString(),
            lacks: row.lacks as (typeof ACCURACY_CRITERIA)[number][],
          }));
        const complete = rows.length - incomplete.length;
        return {
          from,
          to,
          rewardsSent: rows.length,
          complete,
          accuracyPercent: rows.length === 0 ? null : Math.round((complete / rows.length) * 10_000) / 100,
          criteria: [...ACCURACY_CRITERIA],
          incomplete,
        };
      },
    });
  };
}
