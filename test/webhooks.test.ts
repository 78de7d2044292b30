import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { webhookDeliveries, webhookEndpoints, webhookEvents } from '../src/db/schema.js';
import { inTransaction } from '../src/db/transaction.js';
import { webhookDataRenderer } from '../src/webhook-data.js';
import { createWebhookDispatcher, enqueueWebhookEvent, type WebhookDispatcher } from '../src/webhooks/index.js';
import { createWebhookEndpoint } from '../src/webhooks/webhook.service.js';
import { type Api, json, newClaim, PUBLIC_URL, startTestApp, type TestApp } from './support/app.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 that answers with the statuses queued for it (200 when none). */
async function startReceiver() {
  const received: Received[] = [];
  const answers: { status: number; headers?: Record<string, string> }[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      const answer = answers.shift() ?? { status: 200 };
      response.writeHead(answer.status, answer.headers ?? {});
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

async function drain(dispatcher: WebhookDispatcher) {
  while ((await dispatcher.runOnce()) > 0) {
    // until nothing is due
  }
}

/** Verifies as a receiver would, at the moment the message was sent (the library checks the timestamp against now). */
function verify(secret: string, message: Received) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Number(message.headers['webhook-timestamp']) * 1000);
  try {
    return new Webhook(secret).verify(message.body, {
      'webhook-id': String(message.headers['webhook-id']),
      'webhook-timestamp': String(message.headers['webhook-timestamp']),
      'webhook-signature': String(message.headers['webhook-signature']),
    }) as { id: string; type: string; createdAt: string; data: Record<string, unknown> };
  } finally {
    vi.useRealTimers();
  }
}

describe('webhooks out (Standard Webhooks)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let dispatcher: WebhookDispatcher;
  let strictDispatcher: WebhookDispatcher;
  const endpoints: string[] = [];

  async function newEndpoint(api: Api, body: Record<string, unknown>) {
    const created = json(await api.post('/v1/webhook-endpoints', body), 201);
    endpoints.push(created.id);
    return created;
  }

  beforeAll(async () => {
    t = await startTestApp();
    receiver = await startReceiver();
    const common = {
      db: t.database.db,
      clock: t.clock,
      render: webhookDataRenderer({ clock: t.clock, publicUrl: PUBLIC_URL }),
      secretKey: t.secretKey,
      random: () => 0.5,
    };
    dispatcher = createWebhookDispatcher({ ...common, allowPrivateNetworks: true });
    strictDispatcher = createWebhookDispatcher({ ...common, allowPrivateNetworks: false });
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });
  beforeEach(async () => {
    // Each test starts with no endpoint listening, nothing queued for the receiver.
    for (const id of endpoints.splice(0)) await t.owner.patch(`/v1/webhook-endpoints/${id}`, { disabled: true });
    receiver.received.length = 0;
    receiver.answers.length = 0;
  });

  it('delivers conversion.recorded and reward.created, signed so standardwebhooks verifies them, with data as the API shows it', async () => {
    const endpoint = await newEndpoint(t.owner, {
      url: receiver.url,
      events: ['conversion.recorded', 'reward.created'],
      description: 'Books',
    });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const { reward, result } = await newClaim(t.owner);
    await drain(dispatcher);
    const bodies = receiver.received.map((message) => verify(endpoint.secret, message));
    expect(bodies.map((body) => body.type).sort()).toEqual(['conversion.recorded', 'reward.created']);
    const created = bodies.find((body) => body.type === 'reward.created');
    expect(created?.data).toEqual(
      json(await t.owner.get(`/v1/rewards?limit=100`), 200).items.find((r: { id: string }) => r.id === reward.id),
    );
    const recorded = bodies.find((body) => body.type === 'conversion.recorded');
    expect(recorded?.data.id).toBe(result.conversion.id);
    expect(receiver.received[0]?.headers['webhook-id']).toBe(bodies[0]?.id);
    // The secret is shown once, never listed.
    const listed = json(await t.owner.get('/v1/webhook-endpoints'), 200);
    expect(JSON.stringify(listed)).not.toContain(endpoint.secret);
    const deliveries = json(await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`), 200);
    expect(
      deliveries.items.map((d: { status: string; lastStatusCode: number }) => [d.status, d.lastStatusCode]),
    ).toEqual([
      ['succeeded', 200],
      ['succeeded', 200],
    ]);
  });

  it('sends only the events an endpoint subscribed to', async () => {
    const endpoint = await newEndpoint(t.owner, { url: receiver.url, events: ['reward.approved'] });
    const { reward } = await newClaim(t.owner);
    await drain(dispatcher);
    expect(receiver.received).toHaveLength(0);
    const finance = await t.as('finance');
    json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    await drain(dispatcher);
    expect(receiver.received.map((m) => verify(endpoint.secret, m).type)).toEqual(['reward.approved']);
    expect(verify(endpoint.secret, receiver.received[0] as Received).data.status).toBe('pending');
  });

  it('tells of a reward marked sent and of a dispute opened and resolved, with their objects', async () => {
    const endpoint = await newEndpoint(t.owner, {
      url: receiver.url,
      events: ['reward.sent', 'dispute.opened', 'dispute.resolved'],
    });
    const { reward, referred } = await newClaim(t.owner);
    json(await (await t.as('finance')).post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, { reference: 'TREM-1' }), 200);
    const dispute = json(
      await t.owner.post('/v1/disputes', { referredId: referred.id, reason: 'Two people say so' }),
      201,
    );
    // Decided by someone with no side in it (the owner key recorded the referral).
    json(
      await (await t.as('finance')).post(`/v1/disputes/${dispute.id}/resolve`, {
        winningReferralId: reward.referralId,
        reason: 'The first referral stands',
      }),
      200,
    );
    await drain(dispatcher);
    const bodies = receiver.received.map((message) => verify(endpoint.secret, message));
    expect(bodies.map((body) => body.type).sort()).toEqual(['dispute.opened', 'dispute.resolved', 'reward.sent']);
    expect(bodies.find((body) => body.type === 'reward.sent')?.data).toMatchObject({ id: reward.id, status: 'sent' });
    expect(bodies.find((body) => body.type === 'dispute.opened')?.data).toMatchObject({ id: dispute.id });
  });

  it('delivers each event once when two dispatchers poll at the same moment', async () => {
    await newEndpoint(t.owner, { url: receiver.url, events: ['reward.created'] });
    for (let i = 0; i < 5; i++) await newClaim(t.owner);
    const other = createWebhookDispatcher({
      db: t.database.db,
      clock: t.clock,
      render: webhookDataRenderer({ clock: t.clock, publicUrl: PUBLIC_URL }),
      secretKey: t.secretKey,
      allowPrivateNetworks: true,
    });
    await Promise.all([drain(dispatcher), drain(other)]);
    const ids = receiver.received.map((message) => message.headers['webhook-id']);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
  });

  it('retries a 500 later with the same webhook-id and body, and honours Retry-After', async () => {
    const endpoint = await newEndpoint(t.owner, { url: receiver.url, events: ['reward.created'] });
    receiver.answers.push({ status: 500 }, { status: 503, headers: { 'retry-after': '900' } }, { status: 200 });
    await newClaim(t.owner);
    await drain(dispatcher);
    expect(receiver.received).toHaveLength(1);
    let [delivery] = json(await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`), 200).items;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500 });
    // The first retry is about 5 seconds later (jitter fixed at the middle here).
    expect(Date.parse(delivery.nextAttemptAt) - t.clock.now().getTime()).toBe(5_000);
    t.clock.advance(5_000);
    await drain(dispatcher);
    [delivery] = json(await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`), 200).items;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: 503 });
    // The schedule says 5 minutes; Retry-After asked for 15: the receiver's wish is honoured.
    expect(Date.parse(delivery.nextAttemptAt) - t.clock.now().getTime()).toBe(900_000);
    t.clock.advance(899_000);
    await drain(dispatcher);
    expect(receiver.received).toHaveLength(2);
    t.clock.advance(1_000);
    await drain(dispatcher);
    expect(receiver.received).toHaveLength(3);
    const ids = new Set(receiver.received.map((m) => m.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect(new Set(receiver.received.map((m) => m.body)).size).toBe(1);
    for (const message of receiver.received) verify(endpoint.secret, message);
    [delivery] = json(await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`), 200).items;
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 3, lastStatusCode: 200 });
  });

  it('disables the endpoint when it answers 410 Gone', async () => {
    const endpoint = await newEndpoint(t.owner, { url: receiver.url, events: ['reward.created'] });
    receiver.answers.push({ status: 410 });
    await newClaim(t.owner);
    await drain(dispatcher);
    const after = json(await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}`), 200);
    expect(after).toMatchObject({ disabled: true, disabledReason: 'the endpoint answered 410 Gone' });
    await newClaim(t.owner);
    await drain(dispatcher);
    expect(receiver.received).toHaveLength(1);
    // A disabled endpoint's delivery cannot be retried until it is enabled again.
    const [delivery] = json(await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`), 200).items;
    expect((await t.owner.post(`/v1/webhook-deliveries/${delivery.id}/retry`)).statusCode).toBe(409);
  });

  it('disables an endpoint that has failed every attempt for three days, and says why', async () => {
    const endpoint = await newEndpoint(t.owner, { url: receiver.url, events: ['reward.created'] });
    for (let i = 0; i < 20; i++) receiver.answers.push({ status: 500 });
    await newClaim(t.owner);
    const start = t.clock.now().getTime();
    for (let round = 0; round < 15; round++) {
      await drain(dispatcher);
      const [row] = await t.database.db
        .select()
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.workspaceId, t.workspaceId), eq(webhookDeliveries.endpointId, endpoint.id)));
      if (row?.status !== 'pending') break;
      t.clock.set(row.nextAttemptAt);
    }
    const after = json(await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}`), 200);
    expect(after.disabled).toBe(true);
    expect(after.disabledReason).toMatch(/every delivery failed since .* \(last: the endpoint answered 500\)/);
    expect(Date.parse(after.disabledAt) - start).toBeGreaterThanOrEqual(3 * 86_400_000);
  });

  it('sends nothing for a change that rolled back', async () => {
    await newEndpoint(t.owner, { url: receiver.url, events: ['reward.created'] });
    await expect(
      inTransaction(t.database.db, async (tx) => {
        await enqueueWebhookEvent(tx, {
          workspaceId: t.workspaceId,
          type: 'reward.created',
          objectId: 'rwd_rolledback',
          at: t.clock.now(),
        });
        throw new Error('the change failed after its event was written');
      }),
    ).rejects.toThrow('the change failed');
    await drain(dispatcher);
    expect(receiver.received).toHaveLength(0);
    const rows = await t.database.db.select().from(webhookEvents).where(eq(webhookEvents.objectId, 'rwd_rolledback'));
    expect(rows).toEqual([]);
  });

  it('signs with the old secret too for a while after a rotation', async () => {
    const endpoint = await newEndpoint(t.owner, { url: receiver.url, events: ['reward.created'] });
    const rotated = json(await t.owner.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`), 200);
    expect(rotated.secret).not.toBe(endpoint.secret);
    await newClaim(t.owner);
    await drain(dispatcher);
    const [message] = receiver.received;
    expect(String(message?.headers['webhook-signature']).split(' ')).toHaveLength(2);
    verify(rotated.secret, message as Received);
    verify(endpoint.secret, message as Received);
  });

  it('keeps signing secrets encrypted at rest, and never sends unsigned when the key is wrong', async () => {
    const endpoint = await newEndpoint(t.owner, { url: receiver.url, events: ['reward.created'] });
    const [row] = await t.database.db
      .select({ secret: webhookEndpoints.secret })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.workspaceId, t.workspaceId), eq(webhookEndpoints.id, endpoint.id)));
    expect(row?.secret).toMatch(/^v1\./);
    expect(row?.secret).not.toContain(endpoint.secret.slice(6));
    const wrongKey = createWebhookDispatcher({
      db: t.database.db,
      clock: t.clock,
      render: webhookDataRenderer({ clock: t.clock, publicUrl: PUBLIC_URL }),
      secretKey: randomBytes(32),
      allowPrivateNetworks: true,
    });
    await newClaim(t.owner);
    await drain(wrongKey);
    expect(receiver.received).toHaveLength(0);
    const [delivery] = json(await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`), 200).items;
    expect(delivery).toMatchObject({ status: 'pending', lastError: expect.stringContaining('cannot be read') });
    // Without a key, no endpoint can be made (its secret could not be kept safe).
    const actor = {
      type: 'system' as const,
      id: 'test',
      name: 'Test',
      role: 'system' as const,
      workspaceId: t.workspaceId,
    };
    await expect(
      createWebhookEndpoint(t.deps, undefined, actor, { url: receiver.url, events: ['reward.created'] }),
    ).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('retries a delivery by hand with the same webhook-id', async () => {
    const endpoint = await newEndpoint(t.owner, { url: receiver.url, events: ['reward.created'] });
    await newClaim(t.owner);
    await drain(dispatcher);
    const [delivery] = json(await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`), 200).items;
    const retried = json(await t.owner.post(`/v1/webhook-deliveries/${delivery.id}/retry`), 200);
    expect(retried).toMatchObject({ status: 'pending', attempts: 0 });
    await drain(dispatcher);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.headers['webhook-id']).toBe(receiver.received[0]?.headers['webhook-id']);
  });

  it.each([
    ['127.0.0.1 (loopback)', () => receiver.url],
    ['localhost (a name that resolves to loopback)', () => `http://localhost:${receiver.port}/hooks`],
    ['169.254.169.254 (cloud metadata)', () => 'http://169.254.169.254/latest/meta-data/'],
    ['10.0.0.7 (private)', () => 'http://10.0.0.7/hooks'],
    ['[::1] (IPv6 loopback)', () => `http://[::1]:${receiver.port}/hooks`],
    ['[::ffff:127.0.0.1] (IPv4-mapped loopback)', () => `http://[::ffff:127.0.0.1]:${receiver.port}/hooks`],
  ])('refuses to call %s unless private networks are allowed', async (_name, url) => {
    const endpoint = await newEndpoint(t.owner, { url: url(), events: ['reward.created'] });
    await newClaim(t.owner);
    await drain(strictDispatcher);
    expect(receiver.received).toHaveLength(0);
    const [delivery] = json(await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`), 200).items;
    expect(delivery.status).toBe('pending');
    expect(delivery.lastError).toMatch(/^refused: .*not a public address/);
  });

  it('refuses URLs that are not http(s) or carry credentials', async () => {
    for (const url of ['ftp://example.com/x', 'https://user:pw@example.com/x', 'not a url']) {
      const response = await t.owner.post('/v1/webhook-endpoints', { url, events: ['reward.created'] });
      expect(response.statusCode, url).toBe(400);
      expect(JSON.parse(response.body).field ?? JSON.parse(response.body).errors?.[0]?.field).toBe('url');
    }
  });

  it('lets only the owner manage endpoints', async () => {
    const endpoint = await newEndpoint(t.owner, { url: receiver.url, events: ['reward.created'] });
    for (const role of ['finance', 'staff', 'viewer'] as const) {
      const api = await t.as(role);
      expect((await api.get('/v1/webhook-endpoints')).statusCode, role).toBe(403);
      expect((await api.post('/v1/webhook-endpoints', { url: receiver.url, events: ['reward.sent'] })).statusCode).toBe(
        403,
      );
      expect((await api.patch(`/v1/webhook-endpoints/${endpoint.id}`, { disabled: true })).statusCode).toBe(403);
      expect((await api.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)).statusCode).toBe(403);
    }
  });

  it("answers 404 for another workspace's endpoint and delivery, and changes nothing", async () => {
    const endpoint = await newEndpoint(t.owner, { url: receiver.url, events: ['reward.created'] });
    await newClaim(t.owner);
    await drain(dispatcher);
    const [delivery] = json(await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`), 200).items;
    const other = await t.otherWorkspace();
    expect((await other.get(`/v1/webhook-endpoints/${endpoint.id}`)).statusCode).toBe(404);
    expect((await other.patch(`/v1/webhook-endpoints/${endpoint.id}`, { disabled: true })).statusCode).toBe(404);
    expect((await other.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)).statusCode).toBe(404);
    expect((await other.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`)).statusCode).toBe(404);
    expect((await other.post(`/v1/webhook-deliveries/${delivery.id}/retry`)).statusCode).toBe(404);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/webhook-endpoints/${endpoint.id}`,
      headers: { authorization: `Bearer ${other.key}` },
    });
    expect(deleted.statusCode).toBe(404);
    expect(json(await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}`), 200).disabled).toBe(false);
    expect(json(await other.get('/v1/webhook-endpoints'), 200).items).toEqual([]);
  });

  it('deletes an endpoint with its deliveries', async () => {
    const endpoint = await newEndpoint(t.owner, { url: receiver.url, events: ['reward.created'] });
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/webhook-endpoints/${endpoint.id}`,
      headers: { authorization: `Bearer ${t.owner.key}` },
    });
    expect(deleted.statusCode).toBe(204);
    endpoints.pop();
    expect((await t.owner.get(`/v1/webhook-endpoints/${endpoint.id}`)).statusCode).toBe(404);
  });
});
