import type { FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';

/**
 * Token buckets per process. `limiter(perMinute)` answers whether one more request from `who` is
 * allowed; full maps forget their oldest entries first (never everyone at once, so flooding with
 * new identities cannot reset the limit of a real caller).
 */
export function limiter(perMinute: number, capacity = perMinute, maxEntries = 100_000) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = perMinute / 60_000;
  return {
    /** Whether `who` has an allowance left, without using it (sign-in counts only failures). */
    check(who: string, now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
      const bucket = buckets.get(who);
      if (!bucket) return { ok: true };
      const tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * ratePerMs);
      if (tokens < 1) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / ratePerMs / 1000)) };
      return { ok: true };
    },
    take(who: string, now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
      const bucket = buckets.get(who) ?? { tokens: capacity, at: now };
      bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * ratePerMs);
      bucket.at = now;
      buckets.delete(who);
      buckets.set(who, bucket);
      while (buckets.size > maxEntries) {
        const oldest = buckets.keys().next().value;
        if (oldest === undefined) break;
        buckets.delete(oldest);
      }
      if (bucket.tokens < 1)
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000)) };
      bucket.tokens -= 1;
      return { ok: true };
    },
  };
}

/**
 * Requests per minute per caller. The caller is who authentication says it is: an API key by its
 * id, a signed-in user by their id (however the credential is spelled, so extra spaces or a second
 * session do not buy a new allowance). Anonymous requests and requests whose credential failed
 * are counted against the client address (`request.ip`, which honours TRUST_PROXY), so a new junk
 * token per request does not buy one either. 0 turns the limit off.
 */
export function requestLimiter(perMinute: number) {
  if (perMinute <= 0) return undefined;
  const buckets = limiter(perMinute);
  return {
    take(request: FastifyRequest, caller: { type: string; id: string } | undefined) {
      const who = caller ? `${caller.type}:${caller.id}` : `ip:${request.ip}`;
      const verdict = buckets.take(who);
      if (!verdict.ok) {
        throw new AppError(
          'rate_limited',
          `More than ${perMinute} requests a minute; try again in ${verdict.retryAfterSeconds} s.`,
          { details: { retryAfterSeconds: verdict.retryAfterSeconds } },
        );
      }
    },
  };
}

export type RequestLimiter = NonNullable<ReturnType<typeof requestLimiter>>;
