import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.repo.js';
import { apiKeys, sessions, users } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { forgetRevokedKey, requireActor, SESSION_COOKIE } from '../http/auth.js';
import { limiter } from '../http/rate-limit.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { EmailSchema, IdSchema, NameSchema, TimestampSchema, text } from '../shared/schemas.js';
import { createApiKey, createUser, getWorkspaceOrThrow } from '../workspaces/workspace.service.js';
import { findUsersByEmail, listKeys, listUsers } from './access.repo.js';
import { ROLES } from './roles.core.js';
import { hashPassword, hashToken, newSessionToken, verifyPassword } from './secrets.core.js';

const SESSION_TTL_MS = 7 * 86_400_000;

const MeSchema = z.object({
  actor: z.object({ type: z.string(), id: z.string(), name: z.string(), role: z.string() }),
  workspace: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
});

const ApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  prefix: z.string(),
  createdAt: TimestampSchema,
  lastUsedAt: TimestampSchema.nullable(),
  revokedAt: TimestampSchema.nullable(),
});

const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: TimestampSchema,
  disabledAt: TimestampSchema.nullable(),
});

function presentKey(row: typeof apiKeys.$inferSelect) {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.keyPrefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

let dummy: Promise<string> | undefined;
const dummyHash = () => {
  dummy ??= hashPassword('not a password anyone has');
  return dummy;
};

/**
 * A browser that signed in before carries a device cookie: the user it signed in as, a random
 * nonce, and an HMAC of both under the workspace's signing secret. While someone elsewhere
 * hammers that email, the device still gets its own allowance of tries.
 */
const DEVICE_COOKIE = 'rl_device';
const DEVICE_TTL_S = 365 * 86_400;

function deviceMac(secret: string, userId: string, nonce: string): string {
  return createHmac('sha256', secret).update(`device:${userId}:${nonce}`).digest('base64url');
}

function deviceCookieFor(workspace: { id: string; signingSecret: string }, userId: string): string {
  const nonce = randomBytes(12).toString('base64url');
  return `${workspace.id}.${userId}.${nonce}.${deviceMac(workspace.signingSecret, userId, nonce)}`;
}

/** The user id this request's device cookie was issued to, if it is one of `candidates`. */
function knownDevice(
  cookie: string | undefined,
  candidates: { user: { id: string }; workspace: { id: string; signingSecret: string } }[],
): string | undefined {
  const [workspaceId, userId, nonce, mac] = (cookie ?? '').split('.');
  if (!workspaceId || !userId || !nonce || !mac) return undefined;
  const candidate = candidates.find((c) => c.workspace.id === workspaceId && c.user.id === userId);
  if (!candidate) return undefined;
  const expected = Buffer.from(deviceMac(candidate.workspace.signingSecret, userId, nonce));
  const offered = Buffer.from(mac);
  return expected.length === offered.length && timingSafeEqual(expected, offered) ? `${userId}.${nonce}` : undefined;
}

export function accessRoutes(deps: Deps, options: { secureCookies: boolean }) {
  // Failed sign-ins per 15 minutes. Per email *and* address, so nobody can lock a user out from
  // elsewhere; per address, so one client cannot try many emails; per email from everywhere, a
  // ceiling for a distributed guess (a known device is let through it); per known device.
  const pairFailures = limiter(10 / 15, 10);
  const addressFailures = limiter(30 / 15, 30);
  const emailFailures = limiter(50 / 15, 50);
  const deviceFailures = limiter(10 / 15, 10);
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Access'];

    r.post('/v1/session', {
      config: { public: true },
      schema: {
        tags,
        summary: 'Sign in to the web app (sets a session cookie)',
        body: z.strictObject({
          email: EmailSchema,
          password: z.string().min(1).max(200),
          workspace: text(200).optional(),
        }),
        response: { 200: MeSchema },
      },
      handler: async (request, reply) => {
        const { email, password, workspace } = request.body;
        const candidates = (await findUsersByEmail(deps.db, email)).filter(
          (row) => !workspace || row.workspace.slug === workspace || row.workspace.name === workspace,
        );
        const who = email.trim().toLowerCase();
        const device = knownDevice(request.cookies?.[DEVICE_COOKIE], candidates);
        const buckets = device
          ? [{ limit: deviceFailures, key: device }]
          : [
              { limit: pairFailures, key: `${who} ${request.ip}` },
              { limit: addressFailures, key: request.ip },
              { limit: emailFailures, key: who },
            ];
        for (const { limit, key } of buckets) {
          const verdict = limit.check(key);
          if (!verdict.ok) {
            throw new AppError(
              'rate_limited',
              `Too many failed sign-in attempts; try again in ${verdict.retryAfterSeconds} s.`,
              { details: { retryAfterSeconds: verdict.retryAfterSeconds } },
            );
          }
        }
        let match: (typeof candidates)[number] | undefined;
        for (const candidate of candidates) {
          if (await verifyPassword(password, candidate.user.passwordHash)) {
            match = candidate;
            break;
          }
        }
        // Same work whether or not the address exists, so timing does not tell which emails have accounts.
        if (candidates.length === 0) await verifyPassword(password, await dummyHash());
        if (!match) {
          for (const { limit, key } of buckets) limit.take(key);
          throw new AppError('unauthorized', 'Email or password is not right.', { field: 'password' });
        }
        const at = deps.clock.now();
        const { token, hash } = newSessionToken();
        await deps.db.insert(sessions).values({
          workspaceId: match.user.workspaceId,
          id: newId('session', at.getTime()),
          userId: match.user.id,
          tokenHash: hash,
          createdAt: at,
          expiresAt: new Date(at.getTime() + SESSION_TTL_MS),
        });
        reply.setCookie(SESSION_COOKIE, token, {
          path: '/',
          httpOnly: true,
          sameSite: 'lax',
          secure: options.secureCookies,
          maxAge: SESSION_TTL_MS / 1000,
        });
        reply.setCookie(DEVICE_COOKIE, deviceCookieFor(match.workspace, match.user.id), {
          path: '/v1/session',
          httpOnly: true,
          sameSite: 'strict',
          secure: options.secureCookies,
          maxAge: DEVICE_TTL_S,
        });
        return {
          actor: { type: 'user', id: match.user.id, name: match.user.name, role: match.user.role },
          workspace: { id: match.workspace.id, name: match.workspace.name, slug: match.workspace.slug },
        };
      },
    });

    r.delete('/v1/session', {
      config: { public: true },
      schema: { tags, summary: 'Sign out', response: { 204: z.null() } },
      handler: async (request, reply) => {
        const token = request.cookies?.[SESSION_COOKIE];
        if (token) await deps.db.delete(sessions).where(eq(sessions.tokenHash, hashToken(token)));
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send(null);
      },
    });

    r.get('/v1/me', {
      schema: { tags, summary: 'Who am I (role, workspace)', response: { 200: MeSchema } },
      handler: async (request) => {
        const actor = requireActor(request);
        const workspace = await getWorkspaceOrThrow(deps.db, actor.workspaceId);
        return {
          actor: { type: actor.type, id: actor.id, name: actor.name, role: actor.role },
          workspace: { id: workspace.id, name: workspace.name, slug: workspace.slug },
        };
      },
    });

    r.get('/v1/api-keys', {
      config: { permission: 'access:manage' },
      schema: {
        tags,
        summary: 'API keys of the workspace (never the keys themselves)',
        response: { 200: z.object({ items: z.array(ApiKeySchema) }) },
      },
      handler: async (request) => {
        const rows = await listKeys(deps.db, requireActor(request).workspaceId);
        return { items: rows.map(presentKey) };
      },
    });

    r.post('/v1/api-keys', {
      config: { permission: 'access:manage', secretInResponse: 'key' },
      schema: {
        tags,
        summary: 'Create an API key (shown once)',
        body: z.strictObject({ name: NameSchema, role: z.enum(ROLES) }),
        response: { 201: ApiKeySchema.extend({ key: z.string() }) },
      },
      handler: async (request, reply) => {
        const actor = requireActor(request);
        const at = deps.clock.now();
        const { key, record } = await deps.db.transaction((tx) =>
          createApiKey(tx, {
            workspaceId: actor.workspaceId,
            role: request.body.role,
            name: request.body.name,
            actor,
            at,
          }),
        );
        return reply.code(201).send({ ...presentKey(record), key });
      },
    });

    r.post('/v1/api-keys/:id/revoke', {
      config: { permission: 'access:manage' },
      schema: {
        tags,
        summary: 'Revoke an API key',
        params: z.strictObject({ id: IdSchema }),
        response: { 200: ApiKeySchema },
      },
      handler: async (request) => {
        const actor = requireActor(request);
        const at = deps.clock.now();
        const row = await deps.db.transaction(async (tx) => {
          const [updated] = await tx
            .update(apiKeys)
            .set({ revokedAt: at })
            .where(
              and(
                eq(apiKeys.workspaceId, actor.workspaceId),
                eq(apiKeys.id, request.params.id),
                isNull(apiKeys.revokedAt),
              ),
            )
            .returning();
          if (!updated) throw notFound('Active API key');
          await recordAudit(tx, actor, at, { action: 'api_key.revoked', objectType: 'api_key', objectId: updated.id });
          return updated;
        });
        forgetRevokedKey(row.id);
        return presentKey(row);
      },
    });

    const presentUser = (row: typeof users.$inferSelect) => ({
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role,
      createdAt: row.createdAt.toISOString(),
      disabledAt: row.disabledAt?.toISOString() ?? null,
    });

    r.get('/v1/users', {
      config: { permission: 'access:manage' },
      schema: { tags, summary: 'People who can sign in', response: { 200: z.object({ items: z.array(UserSchema) }) } },
      handler: async (request) => ({
        items: (await listUsers(deps.db, requireActor(request).workspaceId)).map(presentUser),
      }),
    });

    r.post('/v1/users', {
      config: { permission: 'access:manage' },
      schema: {
        tags,
        summary: 'Add a person who can sign in',
        body: z.strictObject({
          email: EmailSchema,
          name: NameSchema.optional(),
          role: z.enum(ROLES),
          password: z.string().min(10, 'Use at least 10 characters.').max(200),
        }),
        response: { 201: UserSchema },
      },
      handler: async (request, reply) => {
        const actor = requireActor(request);
        const at = deps.clock.now();
        const row = await deps.db.transaction((tx) =>
          createUser(tx, { workspaceId: actor.workspaceId, ...request.body, actor, at }),
        );
        return reply.code(201).send(presentUser(row));
      },
    });

    r.post('/v1/users/:id/disable', {
      config: { permission: 'access:manage' },
      schema: {
        tags,
        summary: 'Disable a user (signs them out)',
        params: z.strictObject({ id: IdSchema }),
        response: { 200: UserSchema },
      },
      handler: async (request) => {
        const actor = requireActor(request);
        if (request.params.id === actor.id) throw new AppError('unprocessable', 'You cannot disable yourself.');
        const at = deps.clock.now();
        const row = await deps.db.transaction(async (tx) => {
          const [updated] = await tx
            .update(users)
            .set({ disabledAt: at })
            .where(
              and(eq(users.workspaceId, actor.workspaceId), eq(users.id, request.params.id), isNull(users.disabledAt)),
            )
            .returning();
          if (!updated) throw notFound('Active user');
          await tx
            .delete(sessions)
            .where(and(eq(sessions.workspaceId, actor.workspaceId), eq(sessions.userId, updated.id)));
          await recordAudit(tx, actor, at, { action: 'user.disabled', objectType: 'user', objectId: updated.id });
          return updated;
        });
        return presentUser(row);
      },
    });
  };
}
