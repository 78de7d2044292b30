import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { AppError } from '../shared/errors.js';
import { IMPORT_KINDS, importColumns } from './import.core.js';
import { ImportBodySchema, ImportQuerySchema, ImportResultSchema } from './import.schema.js';
import { importCsv, type LinkAwaiting } from './import.service.js';

/** 100,000 rows of a wide file fit several times over; the rest of the API keeps its 1 MiB. */
export const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;

const WHAT = {
  participants: 'participants (referrers and customers)',
  referrals: 'referrals (who referred whom)',
  conversions: 'conversion events (sales, refunds), through the claim engine',
} as const;

const NAMING = {
  participants:
    'Each row needs an `externalId` or an `email`: that is how a second import of the file recognises the person.',
  referrals:
    'Each side is named by id, externalId or email: `referrerId`/`referrerExternalId`/`referrerEmail` and `referredId`/`referredExternalId`/`referredEmail`. `source` defaults to `import`.',
  conversions:
    '`amount` is in major units as people write it (`1500.00` USD, `1500` JPY; more decimals than the currency has is an error), or give `amountMinor` (150000) instead.',
} as const;

/** The body as text, refusing more than the limit and anything that is not UTF-8. */
async function readText(_request: FastifyRequest, payload: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    size += chunk.length;
    if (size > IMPORT_BODY_LIMIT) {
      throw new AppError(
        'payload_too_large',
        `The file is larger than ${IMPORT_BODY_LIMIT / 1_048_576} MiB; split it in parts.`,
        {
          field: 'body',
        },
      );
    }
    chunks.push(chunk);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new AppError('validation_failed', 'The file is not UTF-8 text; save the CSV as UTF-8.', { field: 'body' });
  }
}

export function importRoutes(deps: Deps, options: { linkAwaitingConversions: LinkAwaiting }) {
  return async (app: FastifyInstance) => {
    // These routes take CSV only (the rest of the API takes JSON): anything else is a 415 that says so.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('text/csv', readText);
    app.addContentTypeParser('*', async () => {
      throw new AppError('unsupported_media_type', 'Send the file as text/csv (Content-Type: text/csv).', {
        field: 'content-type',
      });
    });
    const r = app.withTypeProvider<ZodTypeProvider>();
    for (const kind of IMPORT_KINDS) {
      r.post(`/v1/imports/${kind}`, {
        config: { permission: 'imports:write' },
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags: ['Imports'],
          summary: `Import ${WHAT[kind]} from a CSV file`,
          description:
            `A text/csv body: a header line of the API's field names (${importColumns(kind)
              .map((c) => `\`${c}\``)
              .join(', ')}), then one row per line. ` +
            `${NAMING[kind]} Every row is checked with the same rules as the JSON API before anything is written; ` +
            'without `skipInvalid` one bad row imports nothing. Errors name the line (the header is line 1) and the column. ' +
            'Rows already imported are recognised and not written again.',
          consumes: ['text/csv'],
          querystring: ImportQuerySchema,
          body: ImportBodySchema,
          response: { 200: ImportResultSchema },
        },
        handler: async (request) =>
          importCsv(deps, requireActor(request), kind, request.body, {
            dryRun: request.query.dryRun,
            skipInvalid: request.query.skipInvalid,
            linkAwaitingConversions: options.linkAwaitingConversions,
          }),
      });
    }
  };
}
