import { and, desc, eq, isNull, lt, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { conversions, participants } from '../db/schema.js';
import type { Cursor } from '../shared/pagination.js';

export type ConversionRow = typeof conversions.$inferSelect;
export type ConversionInsert = typeof conversions.$inferInsert;

export async function findConversion(db: Executor, workspaceId: string, id: string) {
  const rows = await db
    .select()
    .from(conversions)
    .where(and(eq(conversions.workspaceId, workspaceId), eq(conversions.id, id)))
    .limit(1);
  return rows[0];
}

export async function findConversionByExternalId(
  db: Executor,
  workspaceId: string,
  source: string,
  externalId: string,
) {
  const rows = await db
    .select()
    .from(conversions)
    .where(
      and(
        eq(conversions.workspaceId, workspaceId),
        eq(conversions.source, source),
        eq(conversions.externalId, externalId),
      ),
    )
    .limit(1);
  return rows[0];
}

/** Inserts the event unless (source, externalId) was seen: then returns nothing. */
export async function insertConversionOnce(db: Executor, values: ConversionInsert) {
  const rows = await db.insert(conversions).values(values).onConflictDoNothing().returning();
  return rows[0];
}

/** Refunds that named this conversion before it arrived (out of order), not yet linked. */
export async function unlinkedReversalsNaming(db: Executor, workspaceId: string, source: string, externalId: string) {
  return db
    .select()
    .from(conversions)
    .where(
      and(
        eq(conversions.workspaceId, workspaceId),
        eq(conversions.source, source),
        eq(conversions.originalExternalId, externalId),
        isNull(conversions.reversesConversionId),
      ),
    );
}

export async function conversionsAwaiting(db: Executor, workspaceId: string, referredExternalId: string) {
  return db
    .select()
    .from(conversions)
    .where(
      and(
        eq(conversions.workspaceId, workspaceId),
        eq(conversions.referredExternalId, referredExternalId),
        isNull(conversions.referredId),
      ),
    )
    .orderBy(conversions.occurredAt, conversions.id);
}

export async function listConversionRows(
  db: Executor,
  workspaceId: string,
  filter: { referredId?: string | undefined; type?: string | undefined },
  page: { limit: number; after?: Cursor | undefined },
) {
  const conditions: SQL[] = [eq(conversions.workspaceId, workspaceId)];
  if (filter.referredId) conditions.push(eq(conversions.referredId, filter.referredId));
  if (filter.type) conditions.push(eq(conversions.type, filter.type as ConversionRow['type']));
  if (page.after) {
    const after = or(
      lt(conversions.receivedAt, page.after.createdAt),
      and(eq(conversions.receivedAt, page.after.createdAt), lt(conversions.id, page.after.id)),
    );
    if (after) conditions.push(after);
  }
  return db
    .select({ conversion: conversions, referredName: participants.name })
    .from(conversions)
    .leftJoin(
      participants,
      and(eq(participants.workspaceId, conversions.workspaceId), eq(participants.id, conversions.referredId)),
    )
    .where(and(...conditions))
    .orderBy(desc(conversions.receivedAt), desc(conversions.id))
    .limit(page.limit + 1);
}
