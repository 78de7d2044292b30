import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { EXPORT_KINDS } from './export.core.js';
import { ExportQuerySchema } from './export.schema.js';
import { startExport } from './export.service.js';

const WHAT: Record<(typeof EXPORT_KINDS)[number], string> = {
  rewards: 'Reward claims',
  participants: 'Participants',
  conversions: 'Conversion events',
  'audit-events': 'The audit log',
};

export function exportRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    for (const kind of EXPORT_KINDS) {
      r.get(`/v1/exports/${kind}.csv`, {
        config: { permission: 'exports:read' },
        schema: {
          tags: ['Exports'],
          summary: `${WHAT[kind]} as CSV, oldest first (streamed)`,
          description:
            'RFC 4180 CSV with a header row. Money is in minor units (`amountMinor`) and as a decimal (`amount`). ' +
            "Text cells starting with =, +, -, @, tab or carriage return get a leading ' so spreadsheets do not run them as formulas. " +
            '`x-export-rows` says how many rows follow.',
          querystring: ExportQuerySchema,
          produces: ['text/csv'],
        },
        handler: async (request, reply) => {
          const { rows, csv } = await startExport(deps, requireActor(request), kind, request.query);
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${kind}.csv"`)
            .header('x-export-rows', String(rows))
            .header('cache-control', 'no-store')
            .send(csv);
        },
      });
    }
  };
}
