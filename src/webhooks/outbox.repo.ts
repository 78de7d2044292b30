import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { webhookDeliveries, webhookEndpoints, webhookEvents } from '../db/schema.js';
import { newId } from '../shared/ids.js';
import type { WebhookEventType } from './webhook-event.core.js';

/**
 * Writes an event to the webhook outbox, in the caller's transaction, with one delivery per
 * enabled endpoint subscribed to its type (a rolled-back change sends nothing). Nothing is
 * written when no endpoint wants it. `data` is rendered at the first attempt (see the
 * dispatcher), so this stays one indexed read in the common case.
 */
export async function enqueueWebhookEvent(
  tx: Executor,
  event: { workspaceId: string; type: WebhookEventType | undefined; objectId: string; at: Date },
): Promise<void> {
  const { workspaceId, type, objectId, at } = event;
  if (!type) return;
  const endpoints = await tx
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.workspaceId, workspaceId),
        isNull(webhookEndpoints.disabledAt),
        sql`${type}::webhook_event_type = any(${webhookEndpoints.events})`,
      ),
    );
  if (endpoints.length === 0) return;
  const eventId = newId('webhookEvent', at.getTime());
  await tx.insert(webhookEvents).values({ workspaceId, id: eventId, type, objectId, createdAt: at });
  await tx.insert(webhookDeliveries).values(
    endpoints.map((endpoint) => ({
      workspaceId,
      id: newId('webhookDelivery', at.getTime()),
      eventId,
      endpointId: endpoint.id,
      nextAttemptAt: at,
      createdAt: at,
    })),
  );
}

/**
 * Many events of one workspace at once (the batch engine): one query for the endpoints, one
 * multi-row insert per table. Same rows as enqueueWebhookEvent would write one by one.
 */
export async function enqueueWebhookEvents(
  tx: Executor,
  workspaceId: string,
  events: { type: WebhookEventType | undefined; objectId: string; at: Date }[],
): Promise<void> {
  const wanted = events.filter(
    (event): event is { type: WebhookEventType; objectId: string; at: Date } => !!event.type,
  );
  if (wanted.length === 0) return;
  const endpoints = await tx
    .select({ id: webhookEndpoints.id, events: webhookEndpoints.events })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.workspaceId, workspaceId), isNull(webhookEndpoints.disabledAt)));
  if (endpoints.length === 0) return;
  const rows: (typeof webhookEvents.$inferInsert)[] = [];
  const deliveries: (typeof webhookDeliveries.$inferInsert)[] = [];
  for (const event of wanted) {
    const listening = endpoints.filter((endpoint) => (endpoint.events as string[]).includes(event.type));
    if (listening.length === 0) continue;
    const eventId = newId('webhookEvent', event.at.getTime());
    rows.push({ workspaceId, id: eventId, type: event.type, objectId: event.objectId, createdAt: event.at });
    for (const endpoint of listening) {
      deliveries.push({
        workspaceId,
        id: newId('webhookDelivery', event.at.getTime()),
        eventId,
        endpointId: endpoint.id,
        nextAttemptAt: event.at,
        createdAt: event.at,
      });
    }
  }
  for (let at = 0; at < rows.length; at += 500) await tx.insert(webhookEvents).values(rows.slice(at, at + 500));
  for (let at = 0; at < deliveries.length; at += 500)
    await tx.insert(webhookDeliveries).values(deliveries.slice(at, at + 500));
}
