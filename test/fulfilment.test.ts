import { createServer, type Server } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/json-rows.js';
import { leaseDueOrders } from '../src/fulfilment/fulfilment.repo.js';
import { createFulfilmentJob, type FulfilmentJob } from '../src/fulfilment/index.js';
import { placeTremendousOrder } from '../src/fulfilment/tremendous.client.js';
import { type Api, json, newClaim, startTestApp, type TestApp } from './support/app.js';

/**
 * Gift cards ordered from Tremendous, against a stand-in on this machine that speaks its orders
 * API: Bearer key, `POST /api/v2/orders` answered 200 with the order (201 with the existing order
 * for an external_id it has seen, ordering nothing new), `GET /api/v2/orders/{id}`, errors as
 * `{ errors: { message, payload } }`. What it answers next is set per test.
 */
const API_KEY = 'TEST_tremendous_key_0123456789abcdef';

interface StandInOrder {
  id: string;
  external_id: string;
  status: string;
  body: Record<string, any>;
}

type Mode =
  | { kind: 'status'; status: 'EXECUTED' | 'PENDING APPROVAL' | 'FAILED' }
  | { kind: 'error'; http: number; message: string };

class TremendousStandIn {
  server: Server;
  orders: StandInOrder[] = [];
  posts: { auth: string | undefined; body: Record<string, any> }[] = [];
  mode: Mode = { kind: 'status', status: 'EXECUTED' };
  /** "Allow approvals via API" in the team's settings: off, a reject is 403. */
  approvalsViaApi = true;
  rejects: string[] = [];
  url = '';
  private next = 1;

  constructor() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => {
        raw += chunk;
      });
      req.on('end', () => {
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.headers.authorization !== `Bearer ${API_KEY}`) {
          return send(401, { errors: { message: 'Invalid API key', payload: {} } });
        }
        const getMatch = /^\/api\/v2\/orders\/([^/]+)$/.exec(req.url ?? '');
        if (req.method === 'GET' && getMatch) {
          const order = this.orders.find((o) => o.id === getMatch[1] || o.external_id === getMatch[1]);
          return order ? send(200, { order: this.present(order) }) : send(404, { errors: { message: 'Not found' } });
        }
        const rejectMatch = /^\/api\/v2\/order_approvals\/([^/]+)\/reject$/.exec(req.url ?? '');
        if (req.method === 'POST' && rejectMatch) {
          this.rejects.push(rejectMatch[1] as string);
          const order = this.orders.find((o) => o.id === rejectMatch[1]);
          if (!order) return send(404, { errors: { message: 'Not found' } });
          if (!this.approvalsViaApi) {
            return send(403, { errors: { message: 'Approvals via API are not enabled for this organization' } });
          }
          if (order.status !== 'PENDING APPROVAL') {
            return send(422, { errors: { message: `Order is ${order.status}, not pending approval` } });
          }
          order.status = 'CANCELED';
          return send(200, { order: this.present(order) });
        }
        if (req.method !== 'POST' || req.url !== '/api/v2/orders')
          return send(404, { errors: { message: 'No route' } });
        const body = JSON.parse(raw);
        this.posts.push({ auth: req.headers.authorization, body });
        const existing = this.orders.find((o) => o.external_id === body.external_id);
        if (existing) return send(201, { order: this.present(existing) });
        if (this.mode.kind === 'error') {
          return send(this.mode.http, {
            errors: { message: this.mode.message, payload: { payment: { funding_source_id: 'Insufficient funds' } } },
          });
        }
        const order = { id: `ORD${this.next++}`, external_id: body.external_id, status: this.mode.status, body };
        this.orders.push(order);
        return send(200, { order: this.present(order) });
      });
    });
  }

  present(order: StandInOrder) {
    return {
      id: order.id,
      external_id: order.external_id,
      status: order.status,
      campaign_id: order.body.reward?.campaign_id,
      rewards: [{ id: `RWD-${order.id}`, value: order.body.reward?.value, delivery: { method: 'EMAIL' } }],
    };
  }

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    this.url = `http://127.0.0.1:${address.port}`;
  }
}

describe('gift cards ordered through Tremendous', () => {
  let t: TestApp;
  let finance: Api;
  let staff: Api;
  let job: FulfilmentJob;
  const tremendous = new TremendousStandIn();

  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance', 'Fiona (finance)');
    staff = await t.as('staff', 'Sid (staff)');
    await tremendous.start();
    job = createFulfilmentJob({
      db: t.database.db,
      clock: t.clock,
      publicUrl: 'http://rewardloop.test',
      secretKey: t.secretKey,
      leaseMs: 60_000,
      random: () => 0.5,
    });
    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 2500,
        currency: 'USD',
        autoFulfil: true,
        autoThank: true,
      }),
      200,
    );
  });
  afterAll(async () => {
    tremendous.server.close();
    await t.close();
  });
  beforeEach(() => {
    tremendous.mode = { kind: 'status', status: 'EXECUTED' };
    tremendous.approvalsViaApi = true;
  });

  async function connect(overrides: Record<string, unknown> = {}) {
    return t.owner.put('/v1/integrations/tremendous', {
      apiKey: API_KEY,
      campaignId: 'CAMPAIGN1',
      fundingSourceId: 'BALANCE',
      apiUrl: tremendous.url,
      ...overrides,
    });
  }

  async function approvedGiftCard(referrer: Record<string, unknown> = {}) {
    const { reward, referrer: person } = await newClaim(t.owner, { referrer });
    json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    return { id: reward.id as string, referrer: person };
  }

  const reward = async (id: string) => json(await t.owner.get(`/v1/rewards/${id}`), 200);

  it("keeps the key to Tremendous' own hosts or this machine, and never shows it again", async () => {
    const elsewhere = await connect({ apiUrl: 'https://tremendous.example.com' });
    expect(elsewhere.statusCode).toBe(400);
    expect(JSON.parse(elsewhere.body).field).toBe('apiUrl');
    const metadata = await connect({ apiUrl: 'http://169.254.169.254' });
    expect(metadata.statusCode).toBe(400);
    expect((await connect({ apiUrl: 'http://www.tremendous.com' })).statusCode).toBe(400);
    json(await connect({ apiUrl: 'https://testflight.tremendous.com' }), 200);

    const connected = json(await connect(), 200);
    expect(connected).toMatchObject({ provider: 'tremendous', configured: true, apiUrl: tremendous.url });
    expect(JSON.stringify(connected)).not.toContain(API_KEY);
    const overview = json(await t.owner.get('/v1/integrations'), 200);
    expect(JSON.stringify(overview)).not.toContain(API_KEY);
    expect(overview.integrations.find((i: { provider: string }) => i.provider === 'tremendous')).toMatchObject({
      campaignId: 'CAMPAIGN1',
      fundingSourceId: 'BALANCE',
    });
    expect((await finance.put('/v1/integrations/tremendous', { apiKey: API_KEY })).statusCode).toBe(403);
  });

  it('orders an approved gift card, marks it sent with the order id and thanks the referrer', async () => {
    const { id, referrer } = await approvedGiftCard({ name: 'Jessica Alvarez', emailMarketingConsent: true });
    expect((await reward(id)).fulfilment).toMatchObject({ provider: 'tremendous', status: 'queued' });
    expect(await job.runOnce()).toBe(1);
    const post = tremendous.posts.at(-1);
    expect(post?.auth).toBe(`Bearer ${API_KEY}`);
    expect(post?.body).toEqual({
      external_id: id,
      payment: { funding_source_id: 'BALANCE' },
      reward: {
        campaign_id: 'CAMPAIGN1',
        value: { denomination: 25, currency_code: 'USD' },
        recipient: { name: 'Jessica Alvarez', email: referrer.email },
        delivery: { method: 'EMAIL' },
      },
    });
    const sent = await reward(id);
    const order = tremendous.orders.find((o) => o.external_id === id);
    expect(sent).toMatchObject({ status: 'sent', sentReference: order?.id, fulfilment: { status: 'executed' } });
    expect(sent.thankYou.length).toBeGreaterThan(0);
    // Nothing is ordered again: the order is done.
    expect(await job.runOnce()).toBe(0);
  });

  it('shows an order waiting at the provider, and marks it sent once Tremendous executes it', async () => {
    tremendous.mode = { kind: 'status', status: 'PENDING APPROVAL' };
    const { id } = await approvedGiftCard();
    await job.runOnce();
    const waiting = await reward(id);
    expect(waiting.status).toBe('pending');
    expect(waiting.fulfilment).toMatchObject({ status: 'waiting', providerStatus: 'PENDING APPROVAL' });
    // Nobody sends it by hand meanwhile: it could be paid twice.
    const byHand = await staff.post(`/v1/rewards/${id}/mark-sent`, { reference: 'cash' });
    expect(byHand.statusCode).toBe(409);
    expect(JSON.parse(byHand.body).detail).toContain('Tremendous');
    // Asked again only when the re-check is due; then the provider has executed it.
    expect(await job.runOnce()).toBe(0);
    const order = tremendous.orders.find((o) => o.external_id === id);
    if (order) order.status = 'EXECUTED';
    t.clock.advance(16 * 60_000);
    await job.runOnce();
    expect(await reward(id)).toMatchObject({ status: 'sent', sentReference: order?.id });
    expect(tremendous.orders.filter((o) => o.external_id === id)).toHaveLength(1);
  });

  async function voidReferral(referrerId: string) {
    const referral = json(await t.owner.get(`/v1/referrals?referrerId=${referrerId}`), 200).items[0];
    const voided = await t.app.inject({
      method: 'DELETE',
      url: `/v1/referrals/${referral.id}`,
      headers: { authorization: `Bearer ${finance.key}` },
      payload: { reason: 'entered by mistake' },
    });
    expect(voided.statusCode).toBe(200);
  }

  it('asks Tremendous to reject a waiting order when its reward is voided, and delivers nothing', async () => {
    json(await connect(), 200);
    tremendous.mode = { kind: 'status', status: 'PENDING APPROVAL' };
    const { id, referrer } = await approvedGiftCard();
    await job.runOnce();
    expect((await reward(id)).fulfilment).toMatchObject({ status: 'waiting' });
    await voidReferral(referrer.id);
    expect((await reward(id)).status).toBe('reversed');
    // Due at once, not at the next 15-minute re-check.
    await job.runOnce();
    const order = tremendous.orders.find((o) => o.external_id === id);
    expect(tremendous.rejects).toContain(order?.id);
    expect(order?.status).toBe('CANCELED');
    const after = await reward(id);
    expect(after.status).toBe('reversed');
    expect(after.fulfilment).toMatchObject({ status: 'failed' });
    expect(after.fulfilment.lastError ?? JSON.stringify(after.fulfilment)).toContain('Cancelled at Tremendous');
    const tasks = json(await t.owner.get('/v1/recovery-tasks'), 200).items;
    expect(tasks.filter((task: { rewardId: string }) => task.rewardId === id)).toEqual([]);
  });

  it('opens a recovery task when Tremendous executes an order after its reward was reversed', async () => {
    json(await connect(), 200);
    tremendous.mode = { kind: 'status', status: 'PENDING APPROVAL' };
    tremendous.approvalsViaApi = false;
    const { id, referrer } = await approvedGiftCard();
    await job.runOnce();
    await voidReferral(referrer.id);
    // The reject is refused (approvals via API off): the order stays watched.
    await job.runOnce();
    const order = tremendous.orders.find((o) => o.external_id === id);
    expect(tremendous.rejects).toContain(order?.id);
    expect((await reward(id)).fulfilment).toMatchObject({ status: 'waiting' });
    // Someone approves it in Tremendous anyway: the card goes out for a reversed reward.
    if (order) order.status = 'EXECUTED';
    t.clock.advance(16 * 60_000);
    await job.runOnce();
    const after = await reward(id);
    expect(after.status).toBe('reversed');
    expect(after.fulfilment).toMatchObject({ status: 'executed' });
    const tasks = json(await t.owner.get('/v1/recovery-tasks'), 200).items.filter(
      (task: { rewardId: string }) => task.rewardId === id,
    );
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ kind: 'recovery', amount: 2500, currency: 'USD', status: 'open' });
    expect(tasks[0].reason).toContain(order?.id);
    expect(tasks[0].reason).toContain('reversed');
    // Asked again (a replay), it opens no second task.
    t.clock.advance(16 * 60_000);
    await job.runOnce();
    expect(
      json(await t.owner.get('/v1/recovery-tasks'), 200).items.filter(
        (task: { rewardId: string }) => task.rewardId === id,
      ),
    ).toHaveLength(1);
  });

  it('puts a refused order in the Failed lane with the reason; staff retry it and it is ordered once', async () => {
    tremendous.mode = { kind: 'error', http: 402, message: 'Not enough funds in your account' };
    const { id } = await approvedGiftCard();
    await job.runOnce();
    const failed = await reward(id);
    expect(failed.status).toBe('failed');
    expect(failed.fulfilment.status).toBe('failed');
    expect(failed.fulfilment.reason).toContain('Not enough funds in your account');
    expect(failed.notes).toContain('Not enough funds');
    const lane = json(await staff.get('/v1/rewards?status=failed'), 200);
    expect(lane.items.map((r: { id: string }) => r.id)).toContain(id);

    // Funds added; staff retry from the Failed lane.
    tremendous.mode = { kind: 'status', status: 'EXECUTED' };
    const retried = json(await staff.post(`/v1/rewards/${id}/retry`, { note: 'Topped up the balance' }), 200);
    expect(retried).toMatchObject({ status: 'pending', fulfilment: { status: 'queued' } });
    await job.runOnce();
    expect((await reward(id)).status).toBe('sent');
    // No order existed after the 402, so the retry asked under the same external id.
    expect(tremendous.posts.filter((p) => p.body.external_id === id)).toHaveLength(2);
    expect(tremendous.orders.filter((o) => o.external_id === id)).toHaveLength(1);
    // A reward that is not failed cannot be retried.
    expect((await staff.post(`/v1/rewards/${id}/retry`, {})).statusCode).toBe(409);
  });

  it('orders again under a new external id after Tremendous marked the order FAILED', async () => {
    tremendous.mode = { kind: 'status', status: 'FAILED' };
    const { id } = await approvedGiftCard();
    await job.runOnce();
    expect(await reward(id)).toMatchObject({
      status: 'failed',
      fulfilment: { status: 'failed', providerStatus: 'FAILED' },
    });
    tremendous.mode = { kind: 'status', status: 'EXECUTED' };
    json(await staff.post(`/v1/rewards/${id}/retry`, {}), 200);
    await job.runOnce();
    const sent = await reward(id);
    expect(sent.status).toBe('sent');
    expect(tremendous.orders.map((o) => o.external_id)).toContain(`${id}-r2`);
    expect(sent.sentReference).toBe(tremendous.orders.find((o) => o.external_id === `${id}-r2`)?.id);
  });

  it('retries 5xx answers with backoff under the same external id, then gives up to the Failed lane', async () => {
    tremendous.mode = { kind: 'error', http: 503, message: 'Service unavailable' };
    const { id } = await approvedGiftCard();
    for (let attempt = 1; attempt <= 6; attempt++) {
      expect(await job.runOnce()).toBe(1);
      const now = await reward(id);
      if (attempt < 6) {
        expect(now).toMatchObject({ status: 'pending', fulfilment: { status: 'queued', attempts: attempt } });
        // Not asked again before the backoff is over.
        expect(await job.runOnce()).toBe(0);
        t.clock.advance(7 * 3_600_000);
      }
    }
    const failed = await reward(id);
    expect(failed.status).toBe('failed');
    expect(failed.fulfilment.reason).toContain('Gave up after 6 attempts');
    const ids = new Set(
      tremendous.posts.filter((p) => p.body.external_id?.startsWith(id)).map((p) => p.body.external_id),
    );
    expect([...ids]).toEqual([id]);
    // Fulfilled by hand instead: the manual fallback.
    json(await staff.post(`/v1/rewards/${id}/mark-sent`, { reference: 'bought at the shop' }), 200);
  });

  it('orders nothing new after a crash between ordering and recording', async () => {
    const { id, referrer } = await approvedGiftCard();
    // A job leases the order and places it, then dies before recording the answer.
    const [leased] = await leaseDueOrders(t.database.db, t.clock.now(), new Date(t.clock.now().getTime() + 60_000), 10);
    expect(leased?.rewardId).toBe(id);
    await placeTremendousOrder(
      { apiUrl: tremendous.url, apiKey: API_KEY, campaignId: 'CAMPAIGN1', fundingSourceId: 'BALANCE' },
      {
        externalId: leased?.externalId ?? '',
        amount: 2500,
        currency: 'USD',
        recipient: { name: referrer.name, email: referrer.email },
      },
    );
    expect(tremendous.orders.filter((o) => o.external_id === id)).toHaveLength(1);
    // Another job cannot take it while the lease holds.
    expect(await job.runOnce()).toBe(0);
    // After a restart and the lease running out, it is asked again: Tremendous answers with the
    // order it has (201), and the reward is sent with it.
    t.clock.advance(61_000);
    expect(await job.runOnce()).toBe(1);
    expect(tremendous.orders.filter((o) => o.external_id === id)).toHaveLength(1);
    expect(await reward(id)).toMatchObject({
      status: 'sent',
      sentReference: tremendous.orders.find((o) => o.external_id === id)?.id,
    });
  });

  it('two jobs polling at once place each order once', async () => {
    const ids = [(await approvedGiftCard()).id, (await approvedGiftCard()).id, (await approvedGiftCard()).id];
    const other = createFulfilmentJob({
      db: t.database.db,
      clock: t.clock,
      publicUrl: 'http://rewardloop.test',
      secretKey: t.secretKey,
    });
    await Promise.all([job.runOnce(), other.runOnce(), job.runOnce()]);
    for (const id of ids) {
      expect((await reward(id)).status).toBe('sent');
      expect(tremendous.orders.filter((o) => o.external_id === id)).toHaveLength(1);
    }
  });

  it('does not order a claim that left approval before the job got to it', async () => {
    const { id } = await approvedGiftCard();
    json(await staff.post(`/v1/rewards/${id}/decline`, { reason: 'Referrer asked for no reward' }), 200);
    const before = tremendous.posts.length;
    await job.runOnce();
    expect(tremendous.posts.length).toBe(before);
    const declined = await reward(id);
    expect(declined.status).toBe('declined');
    expect(declined.fulfilment.status).toBe('failed');
  });

  it('never orders a reward an open payout batch holds, and leaves those out of batches itself', async () => {
    // Ordered rewards stay out of a draft: finance does not pay what Tremendous is sending.
    const ordered = await approvedGiftCard();
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 2500, currency: 'USD' }), 200);
    const byFinance = await approvedGiftCard();
    const batch = json(await finance.post('/v1/payout-batches', { currency: 'USD' }), 201);
    const inBatch = JSON.stringify(batch);
    expect(inBatch).toContain(byFinance.id);
    expect(inBatch).not.toContain(ordered.id);
    await job.runOnce();
    expect((await reward(ordered.id)).status).toBe('sent');
    // An order row for a batched reward (however it got there) is refused by the job, unasked.
    await t.database.db.execute(sql`
      insert into fulfilment_orders (workspace_id, reward_id, provider, status, external_id, amount, currency, next_attempt_at, created_at, updated_at)
      values (${t.workspaceId}, ${byFinance.id}, 'tremendous', 'queued', ${byFinance.id}, 2500, 'USD', ${t.clock.now().toISOString()}::timestamptz, now(), now())`);
    const before = tremendous.posts.length;
    await job.runOnce();
    expect(tremendous.posts.length).toBe(before);
    const held = await reward(byFinance.id);
    expect(held.status).toBe('pending');
    expect(held.fulfilment).toMatchObject({ status: 'failed' });
    expect(held.fulfilment.reason).toContain(`payout batch ${batch.id}`);
    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 2500,
        currency: 'USD',
        autoFulfil: true,
      }),
      200,
    );
  });

  it('leaves gift cards to be fulfilled by hand when autoFulfil is off', async () => {
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 2500, currency: 'USD' }), 200);
    const { id } = await approvedGiftCard();
    expect((await reward(id)).fulfilment).toBeNull();
    const rows = rowsOf<{ n: number }>(
      await t.database.db.execute(sql`select count(*)::int as n from fulfilment_orders where reward_id = ${id}`),
    );
    expect(Number(rows[0]?.n)).toBe(0);
    json(await staff.post(`/v1/rewards/${id}/mark-sent`, { reference: 'by hand' }), 200);
    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 2500,
        currency: 'USD',
        autoFulfil: true,
      }),
      200,
    );
  });
});
