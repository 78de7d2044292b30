import type { FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.js';

/**
 * Requests per minute per caller (API key or user), as a token bucket per process. Anonymous
 * public routes are limited per IP. 0 turns the limit off.
 */
export function registerRateLimit(app: FastifyInstance, perMinute: number) {
  if (perMinute <= 0) return;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = perMinute / 60_000;
  app.addHook('preValidation', async (request) => {
    const who = request.actor ? `${request.actor.type}:${request.actor.id}` : `ip:${request.ip}`;
    const now = Date.now();
    const bucket = buckets.get(who) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * ratePerMs);
    bucket.at = now;
    if (buckets.size > 50_000) buckets.clear();
    buckets.set(who, bucket);
    if (bucket.tokens < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000));
      throw new AppError(
        'rate_limited',
        `More than ${perMinute} requests a minute; try again in ${retryAfterSeconds} s.`,
        {
          details: { retryAfterSeconds },
        },
      );
    }
    bucket.tokens -= 1;
  });
}
