/**
 * The webhook dispatcher: like the message dispatcher, several may run (in several processes)
 * and coordinate through the database. Due deliveries are leased with `FOR UPDATE SKIP LOCKED`,
 * sent, and the outcome recorded only while the lease is still ours. A dispatcher that dies
 * mid-send leaves its lease to run out and another sends again with the same webhook-id (the
 * event id): at least once, and receivers can drop the duplicate by that id.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { recordAudit } from '../audit/index.js';
import type { Db } from '../db/client.js';
import { fromJsonRow, rowsOf } from '../db/json-rows.js';
import { webhookDeliveries, webhookEndpoints, webhookEvents } from '../db/schema.js';
import { systemActor } from '../shared/actor.js';
import type { Clock } from '../shared/clock.js';
import { decryptSecret } from '../shared/secret-box.js';
import type { WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow } from './webhook.repo.js';
import { endpointSecretContext } from './webhook.service.js';
import {
  DISABLE_AFTER_FAILING_MS,
  judgeAttempt,
  nextAttemptDelayMs,
  type WebhookEventType,
} from './webhook-event.core.js';
import { type PostResult, postWebhook } from './webhook-http.js';

/**
 * Renders an event's `data`: the object as the API shows it. Passed in by the composition root,
 * since the features that own those objects (rewards, conversions, disputes) write webhook
 * events and so cannot be imported from here.
 */
export type WebhookDataRenderer = (
  db: Db,
  workspaceId: string,
  type: WebhookEventType,
  objectId: string,
) => Promise<unknown>;

export interface WebhookDispatcherOptions {
  db: Db;
  clock: Clock;
  render: WebhookDataRenderer;
  /** The key the signing secrets were encrypted with (see webhook.service). */
  secretKey: Buffer | undefined;
  /** WEBHOOKS_ALLOW_PRIVATE_NETWORKS: self-hosted receivers on the same network, and tests. */
  allowPrivateNetworks: boolean;
  leaseMs?: number;
  batchSize?: number;
  timeoutMs?: number;
  random?: () => number;
  logger?: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
}

/**
 * The `webhook-signature` header: the current secret's signature, and the previous one's while
 * it is valid; undefined when the current secret cannot be decrypted with this server's key.
 */
export function signatureHeader(
  key: Buffer | undefined,
  endpoint: WebhookEndpointRow,
  eventId: string,
  at: Date,
  payload: string,
): string | undefined {
  const context = endpointSecretContext(endpoint.workspaceId, endpoint.id);
  const reveal = (ciphertext: string) => (key ? decryptSecret(key, ciphertext, context) : undefined);
  const current = reveal(endpoint.secret);
  if (!current) return undefined;
  const secrets = [current];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > at) {
    const previous = reveal(endpoint.previousSecret);
    if (previous) secrets.push(previous);
  }
  return secrets.map((secret) => new Webhook(secret).sign(eventId, at, payload)).join(' ');
}

export function createWebhookDispatcher(options: WebhookDispatcherOptions) {
  const { db, clock } = options;
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = options.batchSize ?? 20;
  const timeoutMs = options.timeoutMs ?? 10_000;

  /** Due deliveries of enabled endpoints; a lease that ran out is fair game. */
  async function leaseBatch(): Promise<WebhookDeliveryRow[]> {
    const now = clock.now().toISOString();
    const until = new Date(clock.now().getTime() + leaseMs).toISOString();
    const rows = rowsOf<{ delivery: unknown }>(
      await db.execute(sql`
        update webhook_deliveries d set status = 'sending', locked_until = ${until}::timestamptz, attempts = d.attempts + 1
        from (
          select d2.workspace_id, d2.id from webhook_deliveries d2
          join webhook_endpoints e on e.workspace_id = d2.workspace_id and e.id = d2.endpoint_id
          where d2.status in ('pending', 'sending') and d2.next_attempt_at <= ${now}::timestamptz
            and (d2.locked_until is null or d2.locked_until < ${now}::timestamptz)
            and e.disabled_at is null
          order by d2.next_attempt_at
          limit ${batchSize}
          for update of d2 skip locked
        ) due
        where d.workspace_id = due.workspace_id and d.id = due.id
        returning to_jsonb(d) as delivery`),
    );
    return rows.map((row) => fromJsonRow<WebhookDeliveryRow>(row.delivery));
  }

  /** The body every attempt sends: rendered once, at the first attempt, then kept. */
  async function payloadOf(event: WebhookEventRow): Promise<string> {
    if (event.payload !== null) return event.payload;
    const data = (await options.render(db, event.workspaceId, event.type, event.objectId)) ?? null;
    const payload = JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt.toISOString(), data });
    const [kept] = await db
      .update(webhookEvents)
      .set({ payload: sql`coalesce(${webhookEvents.payload}, ${payload})` })
      .where(and(eq(webhookEvents.workspaceId, event.workspaceId), eq(webhookEvents.id, event.id)))
      .returning({ payload: webhookEvents.payload });
    return kept?.payload ?? payload;
  }

  async function record(delivery: WebhookDeliveryRow, endpoint: WebhookEndpointRow, result: PostResult) {
    const at = clock.now();
    const statusCode = result.kind === 'answered' ? result.statusCode : undefined;
    const verdict = judgeAttempt(statusCode);
    const error =
      result.kind === 'error' ? result.error : verdict === 'succeeded' ? null : `the endpoint answered ${statusCode}`;
    await db.transaction(async (tx) => {
      const common = { lastStatusCode: statusCode ?? null, lastError: error, lastAttemptAt: at, lockedUntil: null };
      let changes: Partial<WebhookDeliveryRow>;
      let disableBecause: string | undefined;
      if (verdict === 'succeeded') {
        changes = { ...common, status: 'succeeded', deliveredAt: at };
      } else if (verdict === 'disable_endpoint') {
        changes = { ...common, status: 'failed' };
        disableBecause = 'the endpoint answered 410 Gone';
      } else {
        const delay = nextAttemptDelayMs(delivery.attempts, {
          retryAfter: result.kind === 'answered' ? result.retryAfter : null,
          now: at,
          ...(options.random ? { random: options.random } : {}),
        });
        changes =
          delay === undefined
            ? { ...common, status: 'failed' }
            : { ...common, status: 'pending', nextAttemptAt: new Date(at.getTime() + delay) };
        const failingSince = endpoint.failingSince ?? at;
        if (at.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS) {
          disableBecause = `every delivery failed since ${failingSince.toISOString()} (last: ${error})`;
        }
      }
      const updated = await tx
        .update(webhookDeliveries)
        .set(changes)
        .where(
          and(
            eq(webhookDeliveries.workspaceId, delivery.workspaceId),
            eq(webhookDeliveries.id, delivery.id),
            eq(webhookDeliveries.status, 'sending'),
            eq(webhookDeliveries.attempts, delivery.attempts),
          ),
        )
        .returning({ id: webhookDeliveries.id });
      // Another dispatcher took this delivery over after our lease ran out: its record stands.
      if (updated.length === 0) return;
      const endpointKey = and(
        eq(webhookEndpoints.workspaceId, endpoint.workspaceId),
        eq(webhookEndpoints.id, endpoint.id),
      );
      if (verdict === 'succeeded') {
        await tx.update(webhookEndpoints).set({ failingSince: null }).where(endpointKey);
      } else if (disableBecause) {
        const disabled = await tx
          .update(webhookEndpoints)
          .set({ disabledAt: at, disabledReason: disableBecause, updatedAt: at })
          .where(and(endpointKey, sql`${webhookEndpoints.disabledAt} is null`))
          .returning({ id: webhookEndpoints.id });
        if (disabled.length > 0) {
          await recordAudit(tx, systemActor(endpoint.workspaceId, 'Webhook dispatcher'), at, {
            action: 'webhook_endpoint.disabled',
            objectType: 'webhook_endpoint',
            objectId: endpoint.id,
            after: { disabled: true, reason: disableBecause, url: endpoint.url },
          });
          options.logger?.warn({ endpointId: endpoint.id, reason: disableBecause }, 'webhook endpoint disabled');
        }
      } else {
        await tx
          .update(webhookEndpoints)
          .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${at.toISOString()}::timestamptz)` })
          .where(endpointKey);
      }
    });
  }

  async function deliver(delivery: WebhookDeliveryRow) {
    const [endpoint] = await db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.workspaceId, delivery.workspaceId), eq(webhookEndpoints.id, delivery.endpointId)));
    const [event] = await db
      .select()
      .from(webhookEvents)
      .where(and(eq(webhookEvents.workspaceId, delivery.workspaceId), eq(webhookEvents.id, delivery.eventId)));
    if (!endpoint || !event) return;
    const payload = await payloadOf(event);
    const at = clock.now();
    const signature = signatureHeader(options.secretKey, endpoint, event.id, at, payload);
    if (!signature) {
      // Never sent unsigned: a receiver could not tell it from a forgery. Retried, so it goes out
      // once the server runs with the key the secret was made under.
      await record(delivery, endpoint, {
        kind: 'error',
        error: "the signing secret cannot be read with this server's key (REWARDLOOP_SECRET_KEY)",
      });
      return;
    }
    const result = await postWebhook({
      url: endpoint.url,
      body: payload,
      timeoutMs,
      allowPrivateNetworks: options.allowPrivateNetworks,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Rewardloop-Webhooks/1',
        'webhook-id': event.id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      },
    });
    if (result.kind === 'error' || judgeAttempt(result.statusCode) !== 'succeeded') {
      options.logger?.warn(
        { deliveryId: delivery.id, endpointId: endpoint.id, result },
        'webhook delivery not accepted',
      );
    }
    await record(delivery, endpoint, result);
  }

  /** Sends what is due now, the batch in parallel (one slow receiver does not hold up the rest). */
  async function runOnce(): Promise<number> {
    const batch = await leaseBatch();
    await Promise.all(
      batch.map((delivery) =>
        deliver(delivery).catch((error: unknown) => {
          // The lease runs out and the delivery is tried again; nothing is lost.
          options.logger?.error({ err: error, deliveryId: delivery.id }, 'webhook delivery failed');
        }),
      ),
    );
    return batch.length;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  return {
    runOnce,
    /** Polls every `intervalMs`, draining full batches back to back. */
    start(intervalMs = 1000) {
      const tick = async () => {
        if (stopped) return;
        try {
          for (;;) {
            running = runOnce();
            if (stopped || (await running) !== batchSize) break;
          }
        } catch (error) {
          options.logger?.error({ err: error }, 'webhook dispatcher poll failed');
        }
        if (!stopped) timer = setTimeout(tick, intervalMs);
      };
      timer = setTimeout(tick, 0);
    },
    /** Finishes the requests in flight (at most the 10 s timeout); leases nothing new. */
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
