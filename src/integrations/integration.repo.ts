import { and, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { integrationEvents, integrations } from '../db/schema.js';
import { type IntegrationProvider, STALE_PROCESSING_MS } from './integration.core.js';

export type IntegrationRow = typeof integrations.$inferSelect;
export type IntegrationEventRow = typeof integrationEvents.$inferSelect;

export async function findIntegration(db: Executor, workspaceId: string, provider: IntegrationProvider) {
  const [row] = await db
    .select()
    .from(integrations)
    .where(and(eq(integrations.workspaceId, workspaceId), eq(integrations.provider, provider)));
  return row;
}

export async function listIntegrations(db: Executor, workspaceId: string) {
  return db.select().from(integrations).where(eq(integrations.workspaceId, workspaceId));
}

export async function upsertIntegration(db: Executor, row: typeof integrations.$inferInsert) {
  await db
    .insert(integrations)
    .values(row)
    .onConflictDoUpdate({
      target: [integrations.workspaceId, integrations.provider],
      set: {
        secretCiphertext: row.secretCiphertext,
        secretHint: row.secretHint,
        previousSecretCiphertext: row.previousSecretCiphertext ?? null,
        previousValidUntil: row.previousValidUntil ?? null,
        accessTokenCiphertext: row.accessTokenCiphertext ?? null,
        settings: row.settings ?? {},
        updatedBy: row.updatedBy,
        updatedAt: row.updatedAt,
      },
    });
}

/**
 * Takes an event for processing: a new event id is inserted as `processing`; a known one is
 * taken again only if its last attempt failed or died mid-way. undefined: someone else has it,
 * or it is done — the caller answers a redelivery without changing anything.
 */
export async function claimEvent(
  db: Executor,
  key: { workspaceId: string; provider: IntegrationProvider; eventId: string; type: string },
  at: Date,
): Promise<IntegrationEventRow | undefined> {
  const [inserted] = await db
    .insert(integrationEvents)
    .values({ ...key, status: 'processing', receivedAt: at, updatedAt: at })
    .onConflictDoNothing()
    .returning();
  if (inserted) return inserted;
  const [retaken] = await db
    .update(integrationEvents)
    .set({ status: 'processing', attempts: sql`${integrationEvents.attempts} + 1`, updatedAt: at })
    .where(
      and(
        eq(integrationEvents.workspaceId, key.workspaceId),
        eq(integrationEvents.provider, key.provider),
        eq(integrationEvents.eventId, key.eventId),
        or(
          eq(integrationEvents.status, 'failed'),
          and(
            eq(integrationEvents.status, 'processing'),
            lt(integrationEvents.updatedAt, new Date(at.getTime() - STALE_PROCESSING_MS)),
          ),
        ),
      ),
    )
    .returning();
  return retaken;
}

export async function findEvent(db: Executor, workspaceId: string, provider: IntegrationProvider, eventId: string) {
  const [row] = await db
    .select()
    .from(integrationEvents)
    .where(
      and(
        eq(integrationEvents.workspaceId, workspaceId),
        eq(integrationEvents.provider, provider),
        eq(integrationEvents.eventId, eventId),
      ),
    );
  return row;
}

export async function finishEvent(
  db: Executor,
  key: { workspaceId: string; provider: IntegrationProvider; eventId: string },
  result: Pick<
    typeof integrationEvents.$inferInsert,
    | 'status'
    | 'detail'
    | 'conversionId'
    | 'participantId'
    | 'invoiceId'
    | 'chargeId'
    | 'paymentIntentId'
    | 'amountRefunded'
  >,
  at: Date,
) {
  await db
    .update(integrationEvents)
    .set({ ...result, updatedAt: at })
    .where(
      and(
        eq(integrationEvents.workspaceId, key.workspaceId),
        eq(integrationEvents.provider, key.provider),
        eq(integrationEvents.eventId, key.eventId),
      ),
    );
}

/** The invoice an earlier invoice.paid recorded for a charge or payment intent. */
export async function invoiceOfCharge(
  db: Executor,
  workspaceId: string,
  refs: { chargeId?: string | undefined; paymentIntentId?: string | undefined },
): Promise<string | undefined> {
  const matches = [
    ...(refs.chargeId ? [eq(integrationEvents.chargeId, refs.chargeId)] : []),
    ...(refs.paymentIntentId ? [eq(integrationEvents.paymentIntentId, refs.paymentIntentId)] : []),
  ];
  if (matches.length === 0) return undefined;
  const [row] = await db
    .select({ invoiceId: integrationEvents.invoiceId })
    .from(integrationEvents)
    .where(
      and(
        eq(integrationEvents.workspaceId, workspaceId),
        eq(integrationEvents.provider, 'stripe'),
        eq(integrationEvents.type, 'invoice.paid'),
        sql`${integrationEvents.invoiceId} is not null`,
        or(...matches),
      ),
    )
    .limit(1);
  return row?.invoiceId ?? undefined;
}

/** The largest cumulative amount_refunded already applied to a charge (0 if none). */
export async function refundedBefore(db: Executor, workspaceId: string, chargeId: string): Promise<number> {
  const [row] = await db
    .select({ most: sql<string | null>`max(${integrationEvents.amountRefunded})` })
    .from(integrationEvents)
    .where(
      and(
        eq(integrationEvents.workspaceId, workspaceId),
        eq(integrationEvents.provider, 'stripe'),
        eq(integrationEvents.chargeId, chargeId),
        inArray(integrationEvents.status, ['applied']),
      ),
    );
  return row?.most ? Number(row.most) : 0;
}

export async function recentEvents(db: Executor, workspaceId: string, limit: number) {
  return db
    .select()
    .from(integrationEvents)
    .where(eq(integrationEvents.workspaceId, workspaceId))
    .orderBy(desc(integrationEvents.receivedAt), desc(integrationEvents.eventId))
    .limit(limit);
}
