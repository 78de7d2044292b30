import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
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

/** The caller as the limiter sees it, before authentication: the credential presented, or the IP. */
function callerOf(request: FastifyRequest): string {
  const credential = request.headers.authorization ?? request.cookies?.rl_session;
  if (credential) return `c:${createHash('sha256').update(credential).digest('base64url').slice(0, 22)}`;
  return `ip:${request.ip}`;
}

/**
 * Requests per minute per caller (API key, session, or IP for anonymous requests). It runs
 * before authentication, so guessing keys is limited too. 0 turns it off.
 */
export function registerRateLimit(app: FastifyInstance, perMinute: number) {
  if (perMinute <= 0) return;
  const buckets = limiter(perMinute);
  app.addHook('onRequest', async (request) => {
    const verdict = buckets.take(callerOf(request));
    if (!verdict.ok) {
      throw new AppError(
        'rate_limited',
        `More than ${perMinute} requests a minute; try again in ${verdict.retryAfterSeconds} s.`,
        {
          details: { retryAfterSeconds: verdict.retryAfterSeconds },
        },
      );
    }
  });
}
