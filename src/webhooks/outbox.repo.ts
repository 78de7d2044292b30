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
