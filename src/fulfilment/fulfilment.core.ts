/**
 * Ordering a gift card from a provider, as decisions: the order Tremendous is sent, what its
 * answer means for the order and the reward, when to try again, and which external id a round
 * orders under. Pure: the job (fulfilment.job.ts) does the I/O and the writes.
 */
import { minorUnits } from '../shared/currency.js';

export const FULFILMENT_PROVIDERS = ['tremendous'] as const;
export type FulfilmentProvider = (typeof FULFILMENT_PROVIDERS)[number];

/**
 * queued: to be ordered; ordering: a job holds it (lease) and may have placed it; waiting: the
 * provider has the order but has not executed it (PENDING APPROVAL), re-checked later;
 * executed: done, the reward is sent; failed: refused or given up, the reward is in the Failed lane.
 */
export const FULFILMENT_ORDER_STATUSES = ['queued', 'ordering', 'waiting', 'executed', 'failed'] as const;
export type FulfilmentOrderStatus = (typeof FULFILMENT_ORDER_STATUSES)[number];

/** Statuses during which a reward is in the provider's hands: never in a payout batch, never sent by hand. */
export const ORDER_IN_PROGRESS: readonly FulfilmentOrderStatus[] = ['queued', 'ordering', 'waiting'];

/**
 * The external id a round orders under. Tremendous answers a repeated external_id with the order
 * it already has (201) and orders nothing new, so every attempt of a round — after a timeout, a
 * 5xx, a crash between ordering and recording — asks under the same id. Only when staff retry an
 * order the provider itself marked FAILED does a new round need a new id (the old one would only
 * return that failed order).
 */
export function externalIdFor(rewardId: string, round: number): string {
  return round <= 1 ? rewardId : `${rewardId}-r${round}`;
}

/** Tremendous takes amounts in major units: 2500 USD minor → 25, 1999 → 19.99, 500 JPY → 500. */
export function denominationOf(amountMinor: number, currency: string): number {
  const digits = minorUnits(currency);
  return Number((amountMinor / 10 ** digits).toFixed(digits));
}

export interface OrderRequest {
  externalId: string;
  campaignId: string;
  fundingSourceId: string;
  amount: number;
  currency: string;
  recipient: { name: string; email: string };
}

/** The body of `POST /api/v2/orders`. */
export function tremendousOrderBody(order: OrderRequest) {
  return {
    external_id: order.externalId,
    payment: { funding_source_id: order.fundingSourceId },
    reward: {
      campaign_id: order.campaignId,
      value: { denomination: denominationOf(order.amount, order.currency), currency_code: order.currency },
      recipient: { name: order.recipient.name, email: order.recipient.email },
      delivery: { method: 'EMAIL' },
    },
  };
}

/** What an answer from the provider means, whatever the call was (placing or re-reading). */
export type OrderOutcome =
  | { kind: 'executed'; orderId: string; providerStatus: string }
  | { kind: 'waiting'; orderId: string; providerStatus: string }
  | { kind: 'refused'; orderId: string | null; providerStatus: string | null; reason: string }
  | { kind: 'retry'; orderId: string | null; reason: string };

/** Tremendous' error object: `{ errors: { message, payload } }`; the field messages name what was wrong. */
function errorReason(body: unknown): string | undefined {
  const errors = (body as { errors?: { message?: unknown; payload?: unknown } } | null)?.errors;
  if (!errors || typeof errors !== 'object') return undefined;
  const leaves: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') leaves.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(errors.payload);
  const message = typeof errors.message === 'string' ? errors.message : '';
  return [message, ...leaves].filter(Boolean).join(' — ').slice(0, 500) || undefined;
}

/**
 * Reads the provider's answer. 200/201/202 carry the order (201: one already placed under this
 * external id); EXECUTED is done, PENDING APPROVAL (or in review, or CART) waits, FAILED or
 * CANCELED is a refusal. 429, 5xx and no answer are tried again; any other 4xx (400 validation,
 * 401 key, 402 funds, 404, 422) is a refusal with the provider's words.
 */
export function readOrderAnswer(status: number | 'no_answer', body: unknown, detail = ''): OrderOutcome {
  if (status === 'no_answer') return { kind: 'retry', orderId: null, reason: `Tremendous did not answer: ${detail}` };
  if (status === 429 || status >= 500) {
    return {
      kind: 'retry',
      orderId: null,
      reason: `Tremendous answered ${status}${errorReason(body) ? `: ${errorReason(body)}` : ''}`,
    };
  }
  if (status >= 300) {
    return {
      kind: 'refused',
      orderId: null,
      providerStatus: null,
      reason: `Tremendous refused the order (${status}): ${errorReason(body) ?? 'no reason given'}`,
    };
  }
  const order = (body as { order?: { id?: unknown; status?: unknown } } | null)?.order;
  const orderId = typeof order?.id === 'string' && order.id ? order.id : null;
  const providerStatus = typeof order?.status === 'string' ? order.status.toUpperCase() : '';
  if (!orderId) return { kind: 'retry', orderId: null, reason: 'Tremendous answered without an order id.' };
  if (providerStatus === 'EXECUTED') return { kind: 'executed', orderId, providerStatus };
  if (providerStatus === 'FAILED' || providerStatus === 'CANCELED') {
    return {
      kind: 'refused',
      orderId,
      providerStatus,
      reason: `Tremendous marked order ${orderId} ${providerStatus}.`,
    };
  }
  // PENDING APPROVAL, PENDING INTERNAL PAYMENT APPROVAL, CART: the provider has it, not yet done.
  return { kind: 'waiting', orderId, providerStatus: providerStatus || 'PENDING' };
}

/** After a failed attempt: 30 s, 2 min, 8 min, 32 min, ~2 h, then 6 h, ±20% so retries spread. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(6 * 3_600_000, 30_000 * 4 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** How often an order waiting at the provider (PENDING APPROVAL) is asked about again. */
export const WAITING_RECHECK_MS = 15 * 60_000;

/** Attempts without an answer before the order is given up and the reward goes to the Failed lane. */
export const MAX_ORDER_ATTEMPTS = 6;

/** What the order row and the reward become after an outcome. */
export type OrderDecision =
  | { order: 'executed'; reward: 'sent'; orderId: string; providerStatus: string }
  | { order: 'waiting'; reward: 'stays'; orderId: string; providerStatus: string; recheckInMs: number }
  | { order: 'queued'; reward: 'stays'; orderId: string | null; error: string; retryInMs: number }
  | { order: 'failed'; reward: 'failed'; orderId: string | null; providerStatus: string | null; reason: string };

export function decideOrder(
  outcome: OrderOutcome,
  attempts: number,
  random: () => number = Math.random,
): OrderDecision {
  switch (outcome.kind) {
    case 'executed':
      return { order: 'executed', reward: 'sent', orderId: outcome.orderId, providerStatus: outcome.providerStatus };
    case 'waiting':
      return {
        order: 'waiting',
        reward: 'stays',
        orderId: outcome.orderId,
        providerStatus: outcome.providerStatus,
        recheckInMs: WAITING_RECHECK_MS,
      };
    case 'refused':
      return {
        order: 'failed',
        reward: 'failed',
        orderId: outcome.orderId,
        providerStatus: outcome.providerStatus,
        reason: outcome.reason,
      };
    case 'retry':
      if (attempts >= MAX_ORDER_ATTEMPTS) {
        return {
          order: 'failed',
          reward: 'failed',
          orderId: outcome.orderId,
          providerStatus: null,
          reason: `Gave up after ${attempts} attempts: ${outcome.reason}`,
        };
      }
      return {
        order: 'queued',
        reward: 'stays',
        orderId: outcome.orderId,
        error: outcome.reason,
        retryInMs: retryDelayMs(attempts, random),
      };
  }
}

/** The words the reward page shows for an order's state. */
export function describeOrder(order: {
  status: FulfilmentOrderStatus;
  providerStatus: string | null;
  lastError: string | null;
  attempts: number;
}): string {
  switch (order.status) {
    case 'queued':
      return order.lastError
        ? `Ordering from Tremendous: trying again (${order.attempts} attempt${order.attempts === 1 ? '' : 's'} so far; last: ${order.lastError})`
        : 'Queued to be ordered from Tremendous';
    case 'ordering':
      return 'Being ordered from Tremendous';
    case 'waiting':
      return `Waiting at Tremendous (${order.providerStatus ?? 'PENDING APPROVAL'}): approve the order in your Tremendous account`;
    case 'executed':
      return 'Ordered from Tremendous';
    case 'failed':
      return `Tremendous order failed: ${order.lastError ?? 'no reason given'}`;
  }
}
