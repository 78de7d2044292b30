import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { limiter } from '../http/rate-limit.js';
import { AppError } from '../shared/errors.js';
import { IdSchema } from '../shared/schemas.js';
import {
  ApiKeyCreateSchema,
  ApiKeyListSchema,
  ApiKeySchema,
  CreatedApiKeySchema,
  MeSchema,
  SignInSchema,
  UserCreateSchema,
  UserListSchema,
  UserSchema,
} from './access.schema.js';
import {
  addUser,
  describeMe,
  disableUser,
  endSession,
  listApiKeys,
  listPeople,
  mintApiKey,
  revokeApiKey,
  SESSION_TTL_MS,
  signInCandidates,
  startSession,
} from './access.service.js';
import { SESSION_COOKIE } from './authenticate.hook.js';
import { hashPassword, verifyPassword } from './secrets.core.js';

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
        body: SignInSchema,
        response: { 200: MeSchema },
      },
      handler: async (request, reply) => {
        const { email, password, workspace } = request.body;
        const candidates = await signInCandidates(deps, email, workspace);
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
        const token = await startSession(deps, match.user);
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
        if (token) await endSession(deps, token);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send(null);
      },
    });

    r.get('/v1/me', {
      schema: { tags, summary: 'Who am I (role, workspace)', response: { 200: MeSchema } },
      handler: async (request) => describeMe(deps, requireActor(request)),
    });

    r.get('/v1/api-keys', {
      config: { permission: 'access:manage' },
      schema: {
        tags,
        summary: 'API keys of the workspace (never the keys themselves)',
        response: { 200: ApiKeyListSchema },
      },
      handler: async (request) => ({ items: await listApiKeys(deps, requireActor(request)) }),
    });

    r.post('/v1/api-keys', {
      config: { permission: 'access:manage', secretInResponse: 'key' },
      schema: {
        tags,
        summary: 'Create an API key (shown once)',
        body: ApiKeyCreateSchema,
        response: { 201: CreatedApiKeySchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await mintApiKey(deps, requireActor(request), request.body)),
    });

    r.post('/v1/api-keys/:id/revoke', {
      config: { permission: 'access:manage' },
      schema: {
        tags,
        summary: 'Revoke an API key',
        params: z.strictObject({ id: IdSchema }),
        response: { 200: ApiKeySchema },
      },
      handler: async (request) => revokeApiKey(deps, requireActor(request), request.params.id),
    });

    r.get('/v1/users', {
      config: { permission: 'access:manage' },
      schema: { tags, summary: 'People who can sign in', response: { 200: UserListSchema } },
      handler: async (request) => ({ items: await listPeople(deps, requireActor(request)) }),
    });

    r.post('/v1/users', {
      config: { permission: 'access:manage' },
      schema: {
        tags,
        summary: 'Add a person who can sign in',
        body: UserCreateSchema,
        response: { 201: UserSchema },
      },
      handler: async (request, reply) => reply.code(201).send(await addUser(deps, requireActor(request), request.body)),
    });

    r.post('/v1/users/:id/disable', {
      config: { permission: 'access:manage' },
      schema: {
        tags,
        summary: 'Disable a user (signs them out)',
        params: z.strictObject({ id: IdSchema }),
        response: { 200: UserSchema },
      },
      handler: async (request) => disableUser(deps, requireActor(request), request.params.id),
    });
  };
}
