import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import type { RequestLimiter } from '../http/rate-limit.js';
import type { Actor } from '../shared/actor.js';
import { AppError } from '../shared/errors.js';
import { findActiveKeyByHash, findLiveSession, touchKey } from './access.repo.js';
import { can, type Permission } from './roles.core.js';
import { hashToken } from './secrets.core.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs; routes without one (and not public) need any authenticated caller. */
    permission?: Permission;
  }
}

export const SESSION_COOKIE = 'rl_session';

// Authentication runs on every request; a short cache keeps key lookups off the hot path
// (a revoked key stops working within this window).
const KEY_CACHE_MS = 5_000;
const TOUCH_EVERY_MS = 60_000;

// Revocations clear the cache of this process at once; other processes follow within KEY_CACHE_MS.
const revocationListeners = new Set<(keyId: string) => void>();
export function forgetRevokedKey(keyId: string) {
  for (const listener of revocationListeners) listener(keyId);
}

/**
 * Cookie-authenticated writes must come from our own pages. Browsers send `Origin` on every
 * cross-site (and same-site) POST/PUT/PATCH/DELETE made with fetch or a form; we require it to be
 * ours (the public URL, or the host the request came to), or `Sec-Fetch-Site: same-origin`.
 */
function sameOrigin(request: FastifyRequest, publicUrl: string): boolean {
  if (request.headers['sec-fetch-site'] === 'same-origin') return true;
  const origin = request.headers.origin;
  if (!origin) return false;
  try {
    const host = new URL(origin).host;
    return host === new URL(publicUrl).host || host === request.headers.host;
  } catch {
    return false; // "null" and other opaque origins are not ours.
  }
}

export function registerAuth(
  app: FastifyInstance,
  deps: Deps,
  options: { publicUrl: string; rateLimit?: RequestLimiter | undefined },
) {
  const keyCache = new Map<string, { actor: Omit<Actor, 'requestId'>; until: number }>();
  const lastTouched = new Map<string, number>();
  const onRevoke = (keyId: string) => {
    for (const [hash, entry] of keyCache) if (entry.actor.id === keyId) keyCache.delete(hash);
  };
  revocationListeners.add(onRevoke);
  app.addHook('onClose', async () => {
    revocationListeners.delete(onRevoke);
  });

  async function actorFromKey(key: string): Promise<Omit<Actor, 'requestId'> | undefined> {
    const hash = hashToken(key);
    const now = Date.now();
    const cached = keyCache.get(hash);
    if (cached && cached.until > now) return cached.actor;
    const found = await findActiveKeyByHash(deps.db, hash);
    if (!found) {
      keyCache.delete(hash);
      return undefined;
    }
    const actor = {
      type: 'api_key' as const,
      id: found.key.id,
      name: found.key.name,
      role: found.key.role,
      workspaceId: found.key.workspaceId,
      // The person the key acts for (access.service personForNewKey); a key the system or the
      // CLI made stands for itself.
      ...(found.key.personId !== found.key.id ? { personId: found.key.personId } : {}),
    };
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(hash, { actor, until: now + KEY_CACHE_MS });
    if ((lastTouched.get(found.key.id) ?? 0) + TOUCH_EVERY_MS < now) {
      lastTouched.set(found.key.id, now);
      await touchKey(deps.db, found.key.workspaceId, found.key.id, deps.clock.now());
    }
    return actor;
  }

  async function authenticate(request: FastifyRequest): Promise<Actor | undefined> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match?.[1]) {
        throw new AppError('unauthorized', 'The Authorization header must be `Bearer <API key>`.', {
          field: 'authorization',
        });
      }
      const actor = await actorFromKey(match[1]);
      if (!actor) {
        throw new AppError('unauthorized', 'The API key is not valid: unknown or revoked.', { field: 'authorization' });
      }
      return { ...actor, requestId: request.id };
    }
    const token = request.cookies?.[SESSION_COOKIE];
    if (token) {
      const found = await findLiveSession(deps.db, hashToken(token), deps.clock.now());
      if (!found) return undefined;
      if (request.method !== 'GET' && request.method !== 'HEAD' && !sameOrigin(request, options.publicUrl)) {
        throw new AppError('forbidden', 'Requests signed in with a session must come from the Rewardloop web app.');
      }
      return {
        type: 'user',
        id: found.user.id,
        name: found.user.name,
        role: found.user.role,
        workspaceId: found.user.workspaceId,
        requestId: request.id,
      };
    }
    return undefined;
  }

  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    if (!url) {
      options.rateLimit?.take(request, undefined);
      return; // 404s are answered by the not-found handler.
    }
    // Everything under /v1 needs a caller, unless the route says it is public (sign-in);
    // health, docs, the web app's files, landing pages and signed webhooks do not.
    const isPublic = request.routeOptions.config.public === true || !url.startsWith('/v1/');
    let failure: unknown;
    const actor = await authenticate(request).catch((error: unknown) => {
      failure = error;
      return undefined;
    });
    // The limit applies to whoever authentication found, or to the client address when nobody
    // (or a bad credential) was found: guessing keys is limited like any anonymous traffic.
    options.rateLimit?.take(request, actor);
    if (failure !== undefined && !isPublic) throw failure;
    if (actor) request.actor = actor;
    if (isPublic) return;
    if (!actor) {
      throw new AppError('unauthorized', 'Send an API key as `Authorization: Bearer <key>`, or sign in.', {
        field: 'authorization',
      });
    }
    const permission = request.routeOptions.config.permission ?? 'read';
    if (actor.role === 'system' || !can(actor.role, permission)) {
      throw new AppError('forbidden', `Your role (${actor.role}) may not do this; it needs ${permission}.`, {
        details: { permission, role: actor.role },
      });
    }
  });
}
