import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { createApiKey, createUser } from '../../src/access/access.service.js';
import { buildApp } from '../../src/app.js';
import type { Database } from '../../src/db/client.js';
import type { Deps } from '../../src/deps.js';
import type { Actor } from '../../src/shared/actor.js';
import { manualClock } from '../../src/shared/clock.js';
import type { Role } from '../../src/shared/vocabulary.js';
import { createWorkspace } from '../../src/workspaces/workspace.service.js';
import { freshDatabase } from './db.js';

export const PUBLIC_URL = 'http://rewardloop.test';

export interface Api {
  key: string;
  get(path: string): Promise<LightMyRequestResponse>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  put(path: string, body?: unknown): Promise<LightMyRequestResponse>;
  patch(path: string, body?: unknown): Promise<LightMyRequestResponse>;
}

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  deps: Deps;
  clock: ReturnType<typeof manualClock>;
  /** The key the app encrypts secrets at rest with (integrations, webhook endpoints). */
  secretKey: Buffer;
  workspaceId: string;
  owner: Api;
  /** A key of another role in the same workspace. */
  as(role: Role, name?: string): Promise<Api>;
  /** An owner key of a brand-new workspace (tenancy tests). */
  otherWorkspace(): Promise<Api>;
  close(): Promise<void>;
}

function apiFor(app: FastifyInstance, key: string): Api {
  const headers = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });
  return {
    key,
    get: (url) => app.inject({ method: 'GET', url, headers: headers() }),
    post: (url, body, extra) =>
      app.inject({
        method: 'POST',
        url,
        headers: headers(extra),
        ...(body === undefined ? {} : { payload: body as object }),
      }),
    put: (url, body) => app.inject({ method: 'PUT', url, headers: headers(), payload: body as object }),
    patch: (url, body) => app.inject({ method: 'PATCH', url, headers: headers(), payload: body as object }),
  };
}

let workspaceCounter = 0;

export async function startTestApp(
  options: {
    start?: Date;
    webhookSecrets?: { twilioAuthTokens?: string; resendWebhookSecrets?: string };
    rateLimitPerMinute?: number;
    trustProxy?: boolean;
    health?: () => Promise<Record<string, unknown>>;
  } = {},
): Promise<TestApp> {
  const database = await freshDatabase();
  const clock = manualClock(options.start ?? new Date('2026-03-02T15:00:00Z'));
  const secretKey = randomBytes(32);
  const app = await buildApp({
    database,
    clock,
    publicUrl: PUBLIC_URL,
    logLevel: 'silent',
    rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
    trustProxy: options.trustProxy ?? false,
    secretKey,
    ...(options.health ? { health: options.health } : {}),
    webhookSecrets: {
      twilioAuthTokens: options.webhookSecrets?.twilioAuthTokens,
      resendWebhookSecrets: options.webhookSecrets?.resendWebhookSecrets,
    },
  });
  await app.ready();
  const deps: Deps = { db: database.db, clock, publicUrl: PUBLIC_URL };

  async function newWorkspaceKey(name: string, role: Role = 'owner') {
    const workspace = await createWorkspace(database.db, { name, at: clock.now() });
    const actor: Actor = { type: 'system', id: 'test', name: 'Test', role: 'system', workspaceId: workspace.id };
    const { key } = await createApiKey(database.db, {
      workspaceId: workspace.id,
      role,
      name: `${role} key`,
      actor,
      at: clock.now(),
    });
    return { workspace, key };
  }

  const { workspace, key } = await newWorkspaceKey(`Test workspace ${++workspaceCounter}`);
  return {
    app,
    database,
    deps,
    clock,
    secretKey,
    workspaceId: workspace.id,
    owner: apiFor(app, key),
    async as(role, name) {
      const actor: Actor = { type: 'system', id: 'test', name: 'Test', role: 'system', workspaceId: workspace.id };
      const created = await createApiKey(database.db, {
        workspaceId: workspace.id,
        role,
        name: name ?? `${role} key`,
        actor,
        at: clock.now(),
      });
      return apiFor(app, created.key);
    },
    async otherWorkspace() {
      const other = await newWorkspaceKey(`Other workspace ${++workspaceCounter}`);
      return apiFor(app, other.key);
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export async function createTestUser(t: TestApp, email: string, password: string, role: Role) {
  const actor: Actor = { type: 'system', id: 'test', name: 'Test', role: 'system', workspaceId: t.workspaceId };
  return createUser(t.database.db, { workspaceId: t.workspaceId, email, password, role, actor, at: t.clock.now() });
}

/** Parses a JSON answer and checks its status, showing the body when it is not the expected one. */
export function json<T = any>(response: LightMyRequestResponse, status: number): T {
  const body = response.body ? JSON.parse(response.body) : undefined;
  expect(response.statusCode, JSON.stringify(body)).toBe(status);
  return body as T;
}

let participantCounter = 0;

export async function newParticipant(api: Api, overrides: Record<string, unknown> = {}) {
  const n = ++participantCounter;
  return json(
    await api.post('/v1/participants', { name: `Person ${n}`, email: `person${n}@example.com`, ...overrides }),
    201,
  );
}

export async function newReferral(
  api: Api,
  referrerId: string,
  referredId: string,
  overrides: Record<string, unknown> = {},
) {
  return json(await api.post('/v1/referrals', { referrerId, referredId, source: 'manual', ...overrides }), 201);
}

let conversionCounter = 0;

export async function newConversion(api: Api, referredId: string, overrides: Record<string, unknown> = {}) {
  return json(
    await api.post('/v1/conversions', {
      externalId: `deal-${++conversionCounter}`,
      type: 'deal_won',
      referredId,
      amount: 100_000,
      currency: 'USD',
      ...overrides,
    }),
    201,
  );
}

/** A referrer, a referred customer, the referral between them and a conversion: a claim in review. */
export async function newClaim(
  api: Api,
  options: { referrer?: Record<string, unknown>; conversion?: Record<string, unknown> } = {},
) {
  const referrer = await newParticipant(api, options.referrer);
  const referred = await newParticipant(api);
  await newReferral(api, referrer.id, referred.id);
  const result = await newConversion(api, referred.id, options.conversion);
  return { referrer, referred, result, reward: result.rewards[0] };
}
