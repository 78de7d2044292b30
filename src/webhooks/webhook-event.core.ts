import type { RewardAction } from '../rewards/lifecycle.core.js';

/**
 * Outgoing webhooks: the closed lists (event types, delivery statuses) and the retry schedule.
 * Pure: the database enums are built from these lists.
 */

/** What a business can subscribe to. Each names the object its `data` carries. */
export const WEBHOOK_EVENT_TYPES = [
  'conversion.recorded',
  'reward.created',
  'reward.approved',
  'reward.rejected',
  'reward.sent',
  'reward.thanked',
  'reward.failed',
  'reward.reversed',
  'dispute.opened',
  'dispute.resolved',
  'payout_batch.approved',
  'payout_batch.paid',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export type WebhookObjectType = 'conversion' | 'reward' | 'dispute' | 'payout_batch';

export function objectTypeOf(type: WebhookEventType): WebhookObjectType {
  return type.slice(0, type.indexOf('.')) as WebhookObjectType;
}

/**
 * pending: waiting for its (next) attempt; sending: leased by a dispatcher; succeeded: a 2xx;
 * failed: out of attempts, refused for good, or its endpoint was disabled.
 */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'sending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * The wait before each retry, after the attempt that failed. Standard Webhooks (Svix) suggests
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; longer last steps stretch it to about three days (75 h
 * before jitter), so an endpoint that is down over a weekend still gets its events.
 */
export const RETRY_SCHEDULE_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  20 * 3_600_000,
  24 * 3_600_000,
] as const;

/** An endpoint that has failed every attempt for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 3 * 86_400_000;

/** The longest `Retry-After` we wait for (a larger one is read as this). */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * When to try again after attempt number `attempt` (1-based) failed, or undefined when the
 * schedule is used up. ±20% jitter spreads retries of many deliveries; a `Retry-After` (seconds
 * or an HTTP date) longer than the schedule's wait is honoured.
 */
export function nextAttemptDelayMs(
  attempt: number,
  options: { retryAfter?: string | null; now: Date; random?: () => number },
): number | undefined {
  const base = RETRY_SCHEDULE_MS[attempt - 1];
  if (base === undefined) return undefined;
  const jittered = Math.round(base * (0.8 + 0.4 * (options.random ?? Math.random)()));
  const asked = retryAfterMs(options.retryAfter, options.now);
  return asked === undefined ? jittered : Math.max(jittered, asked);
}

/** `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`, as milliseconds from now. */
export function retryAfterMs(value: string | null | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now.getTime();
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** What one attempt's answer means for the delivery and its endpoint. */
export type AttemptVerdict = 'succeeded' | 'retry' | 'disable_endpoint';

export function judgeAttempt(statusCode: number | undefined): AttemptVerdict {
  if (statusCode !== undefined && statusCode >= 200 && statusCode < 300) return 'succeeded';
  // 410 Gone: the receiver says this endpoint no longer exists (Standard Webhooks).
  if (statusCode === 410) return 'disable_endpoint';
  return 'retry';
}

/** The reward moves a subscriber hears about (reopen, revise, decline and retry are internal). */
const REWARD_EVENTS: Partial<Record<RewardAction, WebhookEventType>> = {
  approve: 'reward.approved',
  reject: 'reward.rejected',
  mark_sent: 'reward.sent',
  mark_failed: 'reward.failed',
  thank: 'reward.thanked',
  reverse: 'reward.reversed',
};

export function rewardEventFor(action: RewardAction): WebhookEventType | undefined {
  return REWARD_EVENTS[action];
}
