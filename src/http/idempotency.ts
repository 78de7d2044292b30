import { createHash } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { idempotencyKeys } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { canonicalJson } from '../shared/canonical.js';
import { AppError } from '../shared/errors.js';

/**
 * `Idempotency-Key` on any POST: the first request with a key runs; a later request with the
 * same key and the same body gets the first answer replayed (status and body); the same key with
 * a different body is refused; a request arriving while the first is still running waits for its
 * answer. Only successful answers are kept: after an error the client may retry with the key.
 */
declare module 'fastify' {
  interface FastifyRequest {
    /** `since` is this request's claim on the key: only the claimant may complete or release it. */
    idempotency?: { workspaceId: string; key: string; replayed: boolean; since: Date };
  }
}

export const IDEMPOTENCY_RETENTION_MS = 48 * 3_600_000;
const WAIT_FOR_FIRST_MS = 10_000;
const ABANDONED_AFTER_MS = 60_000;
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

export function requestFingerprint(request: FastifyRequest): string {
  return createHash('sha256')
    .update(
      canonicalJson([
        request.method,
        request.routeOptions.url,
        request.params,
        request.actor?.id ?? null,
        request.body ?? null,
      ]),
    )
    .digest('hex');
}

export function registerIdempotency(app: FastifyInstance, deps: Deps) {
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || !request.actor) return;
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || !KEY_SHAPE.test(key)) {
      throw new AppError('validation_failed', 'The Idempotency-Key header must be 1–255 visible ASCII characters.', {
        field: 'idempotency-key',
      });
    }
    const workspaceId = request.actor.workspaceId;
    const hash = requestFingerprint(request);
    const path = request.url.split('?')[0] ?? request.url;
    const deadline = Date.now() + WAIT_FOR_FIRST_MS;
    for (;;) {
      const since = new Date();
      const inserted = await deps.db
        .insert(idempotencyKeys)
        .values({
          workspaceId,
          key,
          method: request.method,
          path,
          requestHash: hash,
          state: 'in_progress',
          createdAt: since,
        })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (inserted.length > 0) {
        request.idempotency = { workspaceId, key, replayed: false, since };
        return;
      }
      const [existing] = await deps.db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.workspaceId, workspaceId), eq(idempotencyKeys.key, key)));
      if (!existing) continue; // Released between our insert and select: try again.
      if (existing.requestHash !== hash) {
        throw new AppError(
          'idempotency_key_reused',
          `The Idempotency-Key was already used for a different request (${existing.method} ${existing.path}); use a new key for a new request.`,
          { field: 'idempotency-key' },
        );
      }
      if (existing.state === 'completed' && existing.statusCode !== null) {
        request.idempotency = { workspaceId, key, replayed: true, since: existing.createdAt };
        return reply
          .code(existing.statusCode)
          .header('idempotent-replayed', 'true')
          .type('application/json; charset=utf-8')
          .serializer((payload: unknown) => payload as string)
          .send(existing.responseBody ?? '');
      }
      if (Date.now() - existing.createdAt.getTime() > ABANDONED_AFTER_MS) {
        // The first request's process died mid-way; its effects (if any) were committed or not
        // as a whole, so running again is safe. Take the key over.
        const takenAt = new Date();
        const taken = await deps.db
          .update(idempotencyKeys)
          .set({ createdAt: takenAt })
          .where(
            and(
              eq(idempotencyKeys.workspaceId, workspaceId),
              eq(idempotencyKeys.key, key),
              eq(idempotencyKeys.createdAt, existing.createdAt),
            ),
          )
          .returning({ key: idempotencyKeys.key });
        if (taken.length > 0) {
          request.idempotency = { workspaceId, key, replayed: false, since: takenAt };
          return;
        }
        continue;
      }
      if (Date.now() > deadline) {
        throw new AppError(
          'idempotency_in_progress',
          'A request with this Idempotency-Key is still running; retry shortly.',
          {
            field: 'idempotency-key',
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const state = request.idempotency;
    if (!state || state.replayed) return payload;
    // Only this request's claim: a slow request whose key was taken over must not touch it.
    const where = and(
      eq(idempotencyKeys.workspaceId, state.workspaceId),
      eq(idempotencyKeys.key, state.key),
      eq(idempotencyKeys.createdAt, state.since),
    );
    if (reply.statusCode >= 200 && reply.statusCode < 300) {
      let body = typeof payload === 'string' ? payload : payload == null ? '' : String(payload);
      const secret = request.routeOptions.config.secretInResponse;
      if (secret && body) {
        // A secret is shown once: the stored answer (and so any replay) carries a placeholder.
        const parsed = JSON.parse(body) as Record<string, unknown>;
        parsed[secret] = '(shown once, when it was created)';
        body = JSON.stringify(parsed);
      }
      await deps.db
        .update(idempotencyKeys)
        .set({ state: 'completed', statusCode: reply.statusCode, responseBody: body, completedAt: new Date() })
        .where(where);
    } else {
      await deps.db.delete(idempotencyKeys).where(where);
    }
    return payload;
  });
}

export async function purgeIdempotencyKeys(deps: Pick<Deps, 'db'>, now: Date) {
  await deps.db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS)));
}
