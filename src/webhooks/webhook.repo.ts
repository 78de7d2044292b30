import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { webhookDeliveries, webhookEndpoints, webhookEvents } from '../db/schema.js';
import type { Cursor } from '../shared/pagination.js';

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookEndpointInsert = typeof webhookEndpoints.$inferInsert;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type WebhookEventRow = typeof webhookEvents.$inferSelect;

const endpointKey = (workspaceId: string, id: string) =>
  and(eq(webhookEndpoints.workspaceId, workspaceId), eq(webhookEndpoints.id, id));

export async function insertEndpoint(db: Executor, values: WebhookEndpointInsert): Promise<WebhookEndpointRow> {
  const [row] = await db.insert(webhookEndpoints).values(values).returning();
  if (!row) throw new Error('insert returned nothing');
  return row;
}

export async function findEndpoint(db: Executor, workspaceId: string, id: string) {
  const [row] = await db.select().from(webhookEndpoints).where(endpointKey(workspaceId, id));
  return row;
}

export async function listEndpointRows(db: Executor, workspaceId: string) {
  return db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.workspaceId, workspaceId))
    .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id));
}

export async function updateEndpoint(
  db: Executor,
  workspaceId: string,
  id: string,
  changes: Partial<WebhookEndpointInsert>,
): Promise<WebhookEndpointRow | undefined> {
  const [row] = await db.update(webhookEndpoints).set(changes).where(endpointKey(workspaceId, id)).returning();
  return row;
}

/** Deliveries go with their endpoint (cascade); their events stay for other endpoints. */
export async function deleteEndpoint(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(webhookEndpoints)
    .where(endpointKey(workspaceId, id))
    .returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

export type DeliveryListRow = WebhookDeliveryRow & { eventType: WebhookEventRow['type']; objectId: string };

const deliveryColumns = {
  workspaceId: webhookDeliveries.workspaceId,
  id: webhookDeliveries.id,
  eventId: webhookDeliveries.eventId,
  endpointId: webhookDeliveries.endpointId,
  status: webhookDeliveries.status,
  attempts: webhookDeliveries.attempts,
  nextAttemptAt: webhookDeliveries.nextAttemptAt,
  lockedUntil: webhookDeliveries.lockedUntil,
  lastStatusCode: webhookDeliveries.lastStatusCode,
  lastError: webhookDeliveries.lastError,
  lastAttemptAt: webhookDeliveries.lastAttemptAt,
  deliveredAt: webhookDeliveries.deliveredAt,
  createdAt: webhookDeliveries.createdAt,
  eventType: webhookEvents.type,
  objectId: webhookEvents.objectId,
};

/** An endpoint's deliveries, newest first (limit + 1 rows: the extra one says there is more). */
export async function listDeliveryRows(
  db: Executor,
  workspaceId: string,
  endpointId: string,
  page: { limit: number; cursor: Cursor | undefined },
): Promise<DeliveryListRow[]> {
  const { cursor } = page;
  return db
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .innerJoin(
      webhookEvents,
      and(
        eq(webhookEvents.workspaceId, webhookDeliveries.workspaceId),
        eq(webhookEvents.id, webhookDeliveries.eventId),
      ),
    )
    .where(
      and(
        eq(webhookDeliveries.workspaceId, workspaceId),
        eq(webhookDeliveries.endpointId, endpointId),
        cursor
          ? or(
              lt(webhookDeliveries.createdAt, cursor.createdAt),
              and(eq(webhookDeliveries.createdAt, cursor.createdAt), lt(webhookDeliveries.id, cursor.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(page.limit + 1);
}

export async function findDelivery(
  db: Executor,
  workspaceId: string,
  id: string,
): Promise<DeliveryListRow | undefined> {
  const [row] = await db
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .innerJoin(
      webhookEvents,
      and(
        eq(webhookEvents.workspaceId, webhookDeliveries.workspaceId),
        eq(webhookEvents.id, webhookDeliveries.eventId),
      ),
    )
    .where(and(eq(webhookDeliveries.workspaceId, workspaceId), eq(webhookDeliveries.id, id)));
  return row;
}

/** Due again now, with a fresh retry schedule; refused while a dispatcher is sending it. */
export async function requeueDelivery(db: Executor, workspaceId: string, id: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(webhookDeliveries)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: at, lockedUntil: null })
    .where(
      and(
        eq(webhookDeliveries.workspaceId, workspaceId),
        eq(webhookDeliveries.id, id),
        sql`(${webhookDeliveries.status} <> 'sending' or ${webhookDeliveries.lockedUntil} < ${at.toISOString()}::timestamptz)`,
      ),
    )
    .returning({ id: webhookDeliveries.id });
  return rows.length > 0;
}
