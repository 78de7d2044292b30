import { and, desc, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.repo.js';
import { partnerExceptions } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { EXCLUDABLE_CHECKS } from '../eligibility/eligibility.core.js';
import { requireActor } from '../http/auth.js';
import { findParticipant } from '../participants/participant.repo.js';
import { type Actor, personOf } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import {
  AmountSchema,
  DateTimeSchema,
  IdSchema,
  NameSchema,
  ReasonSchema,
  TimestampSchema,
} from '../shared/schemas.js';

/**
 * Partner exceptions: a partner with a rule of its own (another commission or amount, a check
 * switched off). Each has an owner, a reason and an expiry; claims under one are flagged so a
 * person confirms it applies.
 */
const ExceptionInputSchema = z
  .strictObject({
    participantId: IdSchema,
    commissionRateBps: z.int().min(0).max(10_000).optional(),
    amount: AmountSchema.optional(),
    excludedChecks: z
      .array(
        z.enum(EXCLUDABLE_CHECKS as [string, ...string[]], {
          error: `Must be one of ${EXCLUDABLE_CHECKS.join(', ')}.`,
        }),
      )
      .max(10)
      .default([]),
    owner: NameSchema.optional(),
    reason: ReasonSchema,
    expiresAt: DateTimeSchema,
  })
  .refine(
    (body) => body.commissionRateBps !== undefined || body.amount !== undefined || body.excludedChecks.length > 0,
    {
      message: 'An exception changes something: a commissionRateBps, an amount, or excludedChecks.',
      path: ['commissionRateBps'],
    },
  );

const ExceptionSchema = z
  .object({
    id: z.string(),
    participantId: z.string(),
    commissionRateBps: z.number().nullable(),
    amount: z.number().nullable(),
    excludedChecks: z.array(z.string()),
    owner: z.string(),
    reason: z.string(),
    expiresAt: TimestampSchema,
    active: z.boolean(),
    revokedAt: TimestampSchema.nullable(),
    createdBy: z.string(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'PartnerException' });

type ExceptionRow = typeof partnerExceptions.$inferSelect;

function present(row: ExceptionRow, now: Date) {
  return {
    id: row.id,
    participantId: row.participantId,
    commissionRateBps: row.commissionRateBps,
    amount: row.amount,
    excludedChecks: row.excludedChecks,
    owner: row.owner,
    reason: row.reason,
    expiresAt: row.expiresAt.toISOString(),
    active: !row.revokedAt && row.expiresAt > now,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

async function createException(deps: Deps, actor: Actor, input: z.infer<typeof ExceptionInputSchema>) {
  const at = deps.clock.now();
  const expiresAt = new Date(input.expiresAt);
  if (expiresAt <= at)
    throw new AppError('validation_failed', 'The field `expiresAt`: must be in the future.', { field: 'expiresAt' });
  return deps.db.transaction(async (tx) => {
    const partner = await findParticipant(tx, actor.workspaceId, input.participantId);
    if (!partner) throw notFound('Participant', 'participantId');
    if (partner.kind !== 'partner') {
      throw new AppError('unprocessable', `${partner.name} is a ${partner.kind}; exceptions are for partners.`, {
        field: 'participantId',
      });
    }
    const [row] = await tx
      .insert(partnerExceptions)
      .values({
        workspaceId: actor.workspaceId,
        id: newId('exception', at.getTime()),
        participantId: partner.id,
        commissionRateBps: input.commissionRateBps ?? null,
        amount: input.amount ?? null,
        excludedChecks: input.excludedChecks,
        owner: input.owner ?? actor.name,
        reason: input.reason,
        expiresAt,
        createdBy: actor.name,
        createdById: personOf(actor),
        createdAt: at,
      })
      .returning();
    if (!row) throw new Error('exception insert returned nothing');
    await recordAudit(tx, actor, at, {
      action: 'partner_exception.created',
      objectType: 'partner_exception',
      objectId: row.id,
      after: present(row, at),
    });
    return present(row, at);
  });
}

export function exceptionRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Partner exceptions'];
    r.post('/v1/partner-exceptions', {
      config: { permission: 'exceptions:manage' },
      schema: {
        tags,
        summary: 'Give a partner a rule of its own (owner, reason, expiry)',
        body: ExceptionInputSchema,
        response: { 201: ExceptionSchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await createException(deps, requireActor(request), request.body)),
    });
    r.get('/v1/partner-exceptions', {
      schema: {
        tags,
        summary: 'Partner exceptions, newest first',
        querystring: z.strictObject({ participantId: IdSchema.optional() }),
        response: { 200: z.object({ items: z.array(ExceptionSchema) }) },
      },
      handler: async (request) => {
        const actor = requireActor(request);
        const rows = await deps.db
          .select()
          .from(partnerExceptions)
          .where(
            and(
              eq(partnerExceptions.workspaceId, actor.workspaceId),
              ...(request.query.participantId
                ? [eq(partnerExceptions.participantId, request.query.participantId)]
                : []),
            ),
          )
          .orderBy(desc(partnerExceptions.createdAt))
          .limit(500);
        const now = deps.clock.now();
        return { items: rows.map((row) => present(row, now)) };
      },
    });
    r.post('/v1/partner-exceptions/:id/revoke', {
      config: { permission: 'exceptions:manage' },
      schema: {
        tags,
        summary: 'End an exception now',
        params: z.strictObject({ id: IdSchema }),
        response: { 200: ExceptionSchema },
      },
      handler: async (request) => {
        const actor = requireActor(request);
        const at = deps.clock.now();
        return deps.db.transaction(async (tx) => {
          const [row] = await tx
            .update(partnerExceptions)
            .set({ revokedAt: at })
            .where(
              and(
                eq(partnerExceptions.workspaceId, actor.workspaceId),
                eq(partnerExceptions.id, request.params.id),
                isNull(partnerExceptions.revokedAt),
              ),
            )
            .returning();
          if (!row) throw notFound('Active partner exception');
          await recordAudit(tx, actor, at, {
            action: 'partner_exception.revoked',
            objectType: 'partner_exception',
            objectId: row.id,
          });
          return present(row, at);
        });
      },
    });
  };
}
