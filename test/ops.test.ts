import { and, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { messages } from '../src/db/schema.js';
import { createDispatcher } from '../src/messaging/dispatcher.js';
import type { OutgoingMessage, Provider, SendResult } from '../src/messaging/providers/provider.js';
import { thankOnDelivery } from '../src/rewards/index.js';
import { type Api, json, newClaim, PUBLIC_URL, startTestApp, type TestApp } from './support/app.js';
import { freshDatabase } from './support/db.js';

const METRICS_TOKEN = 'metrics-token-for-the-scraper-0123';

/** One sample's value from Prometheus text, or 0 when the series does not exist (yet). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (wanted) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

async function approvedClaim(t: TestApp, finance: Api) {
  const { reward } = await newClaim(t.owner, {
    referrer: { email: `ref-${Math.random().toString(36).slice(2)}@example.com`, emailMarketingConsent: true },
  });
  json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
  return reward as { id: string };
}

describe('/readyz', () => {
  it('answers 200 when the database answers and every migration is applied', async () => {
    const t = await startTestApp();
    try {
      const ready = json(await t.app.inject({ method: 'GET', url: '/readyz' }), 200);
      expect(ready).toMatchObject({ status: 'ready' });
      expect(ready.migrations).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it('answers 503 problem+json while a migration is not applied', async () => {
    const t = await startTestApp();
    try {
      // The newest migration "not applied": its journal row is gone.
      await t.database.db.execute(
        sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`,
      );
      const response = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json()).toMatchObject({ code: 'unavailable', reason: 'migrations_pending' });
      // /healthz is liveness: the process is alive and says so.
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('answers 503 when the database does not answer', async () => {
    const database = await freshDatabase();
    const app = await buildApp({
      database,
      clock: { now: () => new Date() },
      publicUrl: PUBLIC_URL,
      logLevel: 'silent',
    });
    try {
      await database.close();
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ code: 'unavailable', reason: 'database_unreachable' });
    } finally {
      await app.close();
    }
  });

  it('answers 503 once shutdown began', async () => {
    const t = await startTestApp();
    let stopping = false;
    const app = await buildApp({
      database: t.database,
      clock: t.clock,
      publicUrl: PUBLIC_URL,
      logLevel: 'silent',
      ops: { stopping: () => stopping },
    });
    try {
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      stopping = true;
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json().reason).toBe('shutting_down');
    } finally {
      await app.close();
      await t.close();
    }
  });
});

describe('/metrics', () => {
  let t: TestApp;
  let guarded: FastifyInstance;
  let finance: Api;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance');
    guarded = await buildApp({
      database: t.database,
      clock: t.clock,
      publicUrl: PUBLIC_URL,
      logLevel: 'silent',
      ops: { metricsToken: METRICS_TOKEN },
    });
    await guarded.ready();
  });
  afterAll(async () => {
    await guarded.close();
    await t.close();
  });
  const scrape = async () => {
    const response = await guarded.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    return response.body;
  };

  it('answers 401 without the METRICS_TOKEN, or with another one, when it is set', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: METRICS_TOKEN }]) {
      const response = await guarded.inject({ method: 'GET', url: '/metrics', headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.headers['www-authenticate']).toContain('Bearer');
      expect(response.body).not.toContain('rewardloop_');
    }
  });

  it('is open when no METRICS_TOKEN is set', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('# TYPE rewardloop_http_request_duration_seconds histogram');
  });

  it('counts conversions by outcome (replays apart) and reward transitions from → to', async () => {
    const before = await scrape();
    await approvedClaim(t, finance);
    const after = await scrape();
    const created = { outcome: 'reward_created', replay: 'false' };
    expect(sample(after, 'rewardloop_conversions_total', created)).toBe(
      sample(before, 'rewardloop_conversions_total', created) + 1,
    );
    const approved = { from: 'in_review', to: 'pending' };
    expect(sample(after, 'rewardloop_reward_transitions_total', approved)).toBe(
      sample(before, 'rewardloop_reward_transitions_total', approved) + 1,
    );
  });

  it('counts a replayed conversion as a replay', async () => {
    const { referred } = await newClaim(t.owner);
    const event = {
      externalId: 'replayed-deal',
      type: 'deal_won',
      referredId: referred.id,
      amount: 1000,
      currency: 'USD',
    };
    json(await t.owner.post('/v1/conversions', event), 201);
    const before = await scrape();
    json(await t.owner.post('/v1/conversions', event), 200);
    const after = await scrape();
    const replays = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith('rewardloop_conversions_total{') && line.includes('replay="true"'))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    expect(replays(after)).toBe(replays(before) + 1);
  });

  it('labels request durations by route pattern and status, never by the raw URL', async () => {
    const reward = await approvedClaim(t, finance);
    json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    await t.owner.get('/v1/rewards/rew_does_not_exist');
    const text = await scrape();
    expect(
      sample(text, 'rewardloop_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/rewards/:id',
        status_code: '200',
      }),
    ).toBeGreaterThan(0);
    expect(
      sample(text, 'rewardloop_http_request_duration_seconds_count', { route: '/v1/rewards/:id', status_code: '404' }),
    ).toBeGreaterThan(0);
    expect(text).not.toContain(reward.id);
    expect(text).not.toContain('rew_does_not_exist');
  });

  it('shows outbox depth and the age of the oldest waiting message per channel, from the database', async () => {
    const reward = await approvedClaim(t, finance);
    // No provider runs in this app: the thank-you waits in the outbox.
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    const [waiting] = await t.database.db
      .select()
      .from(messages)
      .where(and(eq(messages.workspaceId, t.workspaceId), eq(messages.rewardId, reward.id)));
    expect(waiting?.channel).toBe('email');
    const count = sample(await scrape(), 'rewardloop_outbox_waiting_messages', { channel: 'email' });
    expect(count).toBeGreaterThan(0);
    // Age is measured against the app's clock: make the oldest message exactly 90 minutes old.
    const oldest = new Date(t.clock.now().getTime() - 90 * 60_000);
    await t.database.db.execute(
      sql`update messages set created_at = ${oldest.toISOString()}::timestamptz where workspace_id = ${t.workspaceId} and id = ${waiting?.id}`,
    );
    const text = await scrape();
    expect(sample(text, 'rewardloop_outbox_oldest_waiting_age_seconds', { channel: 'email' })).toBe(5400);
    expect(sample(text, 'rewardloop_outbox_waiting_messages', { channel: 'email' })).toBe(count);
    expect(text).toContain('rewardloop_outbox_waiting_messages{channel="sms"} 0');
  });

  it('counts provider sends and failures per provider, and shows connection use and event-loop lag', async () => {
    const answers: SendResult[] = [
      { outcome: 'temporary_failure', error: 'try later' },
      { outcome: 'accepted', providerMessageId: 'p-1' },
    ];
    const provider: Provider = {
      name: 'fake-mail',
      channel: 'email',
      send: async () => answers.shift() ?? { outcome: 'accepted', providerMessageId: 'p-n' },
    };
    const before = await scrape();
    const reward = await approvedClaim(t, finance);
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    // Only this reward's message is due for the dispatcher's clock; the others wait their turn.
    await t.database.db.execute(
      sql`update messages set next_attempt_at = next_attempt_at + interval '1 day' where reward_id is distinct from ${reward.id}`,
    );
    const dispatcher = createDispatcher({
      onThankYouAccepted: thankOnDelivery,
      db: t.database.db,
      clock: t.clock,
      publicUrl: PUBLIC_URL,
      providers: { email: provider },
    });
    await dispatcher.runOnce(); // temporary failure
    t.clock.advance(3_600_000);
    await dispatcher.runOnce(); // accepted
    const after = await scrape();
    const labels = (outcome: string) => ({ provider: 'fake-mail', channel: 'email', outcome });
    expect(sample(after, 'rewardloop_provider_sends_total', labels('accepted'))).toBe(
      sample(before, 'rewardloop_provider_sends_total', labels('accepted')) + 1,
    );
    expect(sample(after, 'rewardloop_provider_sends_total', labels('temporary_failure'))).toBe(1);
    expect(
      sample(after, 'rewardloop_provider_failures_total', { provider: 'fake-mail', kind: 'temporary_failure' }),
    ).toBe(1);
    expect(sample(after, 'rewardloop_provider_failures_total', { provider: 'fake-mail', kind: 'accepted' })).toBe(0);
    expect(sample(after, 'rewardloop_db_connections', { state: 'total' })).toBeGreaterThan(0);
    expect(after).toContain('nodejs_eventloop_lag_seconds');
  });
});

describe('a dispatcher that stops mid-batch', () => {
  it('gives back the leases of messages it had not started: claimable again at once, attempts unchanged', async () => {
    const t = await startTestApp();
    try {
      const finance = await t.as('finance');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const reward = await approvedClaim(t, finance);
        json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
      }
      let release!: () => void;
      let started!: () => void;
      const firstSendStarted = new Promise<void>((resolve) => (started = resolve));
      const provider: Provider = {
        name: 'slow-mail',
        channel: 'email',
        send: async (message: OutgoingMessage) => {
          ids.push(message.id);
          started();
          await new Promise<void>((resolve) => (release = resolve));
          return { outcome: 'accepted', providerMessageId: `p-${message.id}` };
        },
      };
      const dispatcher = createDispatcher({
        onThankYouAccepted: thankOnDelivery,
        db: t.database.db,
        clock: t.clock,
        publicUrl: PUBLIC_URL,
        providers: { email: provider },
        leaseMs: 600_000,
      });
      dispatcher.start(60_000);
      await firstSendStarted;
      const stopping = dispatcher.stop();
      release();
      await stopping;

      const rows = await t.database.db.select().from(messages).where(eq(messages.workspaceId, t.workspaceId));
      expect(rows).toHaveLength(3);
      const sent = rows.filter((row) => row.status === 'sent');
      expect(sent.map((row) => row.id)).toEqual(ids);
      const given = rows.filter((row) => row.status !== 'sent');
      expect(given).toHaveLength(2);
      for (const row of given) expect(row).toMatchObject({ status: 'queued', attempts: 0, lockedUntil: null });
      // Another dispatcher takes them at once, without waiting for the 10-minute lease.
      const next = createDispatcher({
        onThankYouAccepted: thankOnDelivery,
        db: t.database.db,
        clock: t.clock,
        publicUrl: PUBLIC_URL,
        providers: { email: { ...provider, send: async (m) => ({ outcome: 'accepted', providerMessageId: m.id }) } },
      });
      expect(await next.runOnce()).toBe(2);
    } finally {
      await t.close();
    }
  });
});
