import { randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/index.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import type { Actor } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { decodeCursor, toPage } from '../shared/pagination.js';
import { encryptSecret } from '../shared/secret-box.js';
import {
  type DeliveryListRow,
  deleteEndpoint,
  findDelivery,
  findEndpoint,
  insertEndpoint,
  listDeliveryRows,
  listEndpointRows,
  requeueDelivery,
  updateEndpoint,
  type WebhookEndpointRow,
} from './webhook.repo.js';
import type {
  CreateWebhookEndpoint,
  UpdateWebhookEndpoint,
  WebhookDelivery,
  WebhookEndpoint,
} from './webhook.schema.js';

/** After a rotation the old secret signs too (a second signature) for this long. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3_600_000;

/**
 * The server's key for secrets at rest (REWARDLOOP_SECRET_KEY, or the embedded store's own):
 * signing secrets must be used again in clear, so they are kept encrypted, never hashed.
 */
export type SecretKey = Buffer | undefined;

function keyOrThrow(secretKey: SecretKey): Buffer {
  if (!secretKey) {
    throw new AppError(
      'unavailable',
      'This server has no key to encrypt webhook signing secrets with: set REWARDLOOP_SECRET_KEY (64 hex digits, e.g. `openssl rand -hex 32`) and restart.',
    );
  }
  return secretKey;
}

/** Bound into the ciphertext: a secret copied to another endpoint or workspace does not decrypt there. */
export const endpointSecretContext = (workspaceId: string, endpointId: string) =>
  `${workspaceId}:webhook-endpoint:${endpointId}`;

/** Standard Webhooks' secret format: `whsec_` + base64 of 24 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function presentEndpoint(row: WebhookEndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    disabled: row.disabledAt !== null,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    disabledReason: row.disabledReason,
    failingSince: row.failingSince?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function presentDelivery(row: DeliveryListRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventId: row.eventId,
    eventType: row.eventType,
    objectId: row.objectId,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

async function getEndpointRowOrThrow(deps: Deps, actor: Actor, id: string) {
  const row = await findEndpoint(deps.db, actor.workspaceId, id);
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

export async function createWebhookEndpoint(
  deps: Deps,
  secretKey: SecretKey,
  actor: Actor,
  input: CreateWebhookEndpoint,
) {
  const key = keyOrThrow(secretKey);
  const at = deps.clock.now();
  const secret = newSigningSecret();
  const id = newId('webhookEndpoint', at.getTime());
  return inTransaction(deps.db, async (tx) => {
    const row = await insertEndpoint(tx, {
      workspaceId: actor.workspaceId,
      id,
      url: input.url,
      description: input.description || null,
      events: input.events,
      secret: encryptSecret(key, secret, endpointSecretContext(actor.workspaceId, id)),
      createdBy: actor.id,
      createdAt: at,
      updatedAt: at,
    });
    await recordAudit(tx, actor, at, {
      action: 'webhook_endpoint.created',
      objectType: 'webhook_endpoint',
      objectId: row.id,
      after: { url: row.url, events: row.events },
    });
    return { ...presentEndpoint(row), secret };
  });
}

export async function listWebhookEndpoints(deps: Deps, actor: Actor) {
  return { items: (await listEndpointRows(deps.db, actor.workspaceId)).map(presentEndpoint) };
}

export async function getWebhookEndpoint(deps: Deps, actor: Actor, id: string) {
  return presentEndpoint(await getEndpointRowOrThrow(deps, actor, id));
}

export async function updateWebhookEndpoint(deps: Deps, actor: Actor, id: string, input: UpdateWebhookEndpoint) {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const before = await findEndpoint(tx, actor.workspaceId, id);
    if (!before) throw notFound('Webhook endpoint');
    const disabling = input.disabled === true && before.disabledAt === null;
    const enabling = input.disabled === false && before.disabledAt !== null;
    const row = await updateEndpoint(tx, actor.workspaceId, id, {
      ...(input.events ? { events: input.events } : {}),
      ...(input.description !== undefined ? { description: input.description || null } : {}),
      ...(disabling ? { disabledAt: at, disabledReason: `disabled by ${actor.name}` } : {}),
      // Enabled again: the failure clock starts over, and waiting deliveries go out.
      ...(enabling ? { disabledAt: null, disabledReason: null, failingSince: null } : {}),
      updatedAt: at,
    });
    if (!row) throw notFound('Webhook endpoint');
    await recordAudit(tx, actor, at, {
      action: disabling
        ? 'webhook_endpoint.disabled'
        : enabling
          ? 'webhook_endpoint.enabled'
          : 'webhook_endpoint.updated',
      objectType: 'webhook_endpoint',
      objectId: id,
      before: { events: before.events, disabled: before.disabledAt !== null },
      after: { events: row.events, disabled: row.disabledAt !== null },
    });
    return presentEndpoint(row);
  });
}

export async function deleteWebhookEndpoint(deps: Deps, actor: Actor, id: string) {
  const at = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    if (!(await deleteEndpoint(tx, actor.workspaceId, id))) throw notFound('Webhook endpoint');
    await recordAudit(tx, actor, at, {
      action: 'webhook_endpoint.deleted',
      objectType: 'webhook_endpoint',
      objectId: id,
    });
  });
}

/**
 * A new secret, shown once. The old one keeps signing beside it (a second signature in
 * `webhook-signature`) for 24 hours, so receivers can switch without missing an event.
 */
export async function rotateWebhookSecret(deps: Deps, secretKey: SecretKey, actor: Actor, id: string) {
  const key = keyOrThrow(secretKey);
  const at = deps.clock.now();
  const secret = newSigningSecret();
  return inTransaction(deps.db, async (tx) => {
    const before = await findEndpoint(tx, actor.workspaceId, id);
    if (!before) throw notFound('Webhook endpoint');
    const row = await updateEndpoint(tx, actor.workspaceId, id, {
      secret: encryptSecret(key, secret, endpointSecretContext(actor.workspaceId, id)),
      previousSecret: before.secret,
      previousSecretExpiresAt: new Date(at.getTime() + PREVIOUS_SECRET_GRACE_MS),
      updatedAt: at,
    });
    if (!row) throw notFound('Webhook endpoint');
    await recordAudit(tx, actor, at, {
      action: 'webhook_endpoint.secret_rotated',
      objectType: 'webhook_endpoint',
      objectId: id,
      after: { previousSecretExpiresAt: row.previousSecretExpiresAt?.toISOString() },
    });
    return { ...presentEndpoint(row), secret };
  });
}

export async function listWebhookDeliveries(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  query: { limit: number; cursor?: string | undefined },
) {
  await getEndpointRowOrThrow(deps, actor, endpointId);
  const rows = await listDeliveryRows(deps.db, actor.workspaceId, endpointId, {
    limit: query.limit,
    cursor: decodeCursor(query.cursor),
  });
  return toPage(rows, query.limit, presentDelivery);
}

/** Sends a delivery again now (same webhook-id, same body), whatever became of it. */
export async function retryWebhookDelivery(deps: Deps, actor: Actor, id: string) {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const delivery = await findDelivery(tx, actor.workspaceId, id);
    if (!delivery) throw notFound('Webhook delivery');
    const endpoint = await findEndpoint(tx, actor.workspaceId, delivery.endpointId);
    if (!endpoint) throw notFound('Webhook delivery');
    if (endpoint.disabledAt) {
      throw new AppError('invalid_transition', 'The endpoint is disabled; enable it first (PATCH disabled: false).');
    }
    if (!(await requeueDelivery(tx, actor.workspaceId, id, at))) {
      throw new AppError('invalid_transition', 'This delivery is being sent right now.');
    }
    await recordAudit(tx, actor, at, {
      action: 'webhook_delivery.retried',
      objectType: 'webhook_delivery',
      objectId: id,
      before: { status: delivery.status, attempts: delivery.attempts },
    });
    const row = await findDelivery(tx, actor.workspaceId, id);
    if (!row) throw notFound('Webhook delivery');
    return presentDelivery(row);
  });
}
