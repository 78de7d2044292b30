/**
 * POST /v1/conversions/batch and the grouping of concurrent single-event requests, as an
 * integration would use them; and two server processes on one PostgreSQL sharing the work.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, newParticipant, newReferral, startTestApp, type TestApp } from './support/app.js';
import { onPostgres, scratchPostgresUrl } from './support/db.js';
import { type RunningServer, startServer } from './support/process.js';

describe('POST /v1/conversions/batch', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 2500,
        currency: 'USD',
        tiers: [
          { fromReferral: 1, amount: 2500 },
          { fromReferral: 2, amount: 5000 },
        ],
      }),
      200,
    );
  });
  afterAll(() => t.close());

  it('answers every event in input order with the status it would have had alone, and records the valid ones', async () => {
    const jess = await newParticipant(t.owner, { name: 'Jessica Alvarez' });
    const sam = await newParticipant(t.owner, { name: 'Sam Lee', externalId: 'crm-sam' });
    const kim = await newParticipant(t.owner, { name: 'Kim Park' });
    await newReferral(t.owner, jess.id, sam.id);
    await newReferral(t.owner, jess.id, kim.id);
    const sale = (externalId: string, extra: Record<string, unknown>) => ({
      externalId,
      type: 'invoice_paid',
      amount: 120_000,
      currency: 'USD',
      ...extra,
    });
    const body = json(
      await t.owner.post('/v1/conversions/batch', {
        events: [
          sale('inv-1', { referredExternalId: 'crm-sam' }),
          sale('inv-2', { referredId: 'par_nobody000000000000000' }),
          sale('inv-3', { referredId: kim.id }),
          sale('inv-1', { referredExternalId: 'crm-sam' }), // the same event again: a replay
          sale('inv-1', { referredExternalId: 'crm-sam', amount: 1 }), // same id, other data
          { externalId: 'inv-4', type: 'invoice_paid', currency: 'USD', referredId: kim.id }, // no amount
          sale('inv-5', { referredExternalId: 'crm-not-yet' }),
        ],
      }),
      200,
    );
    const results = body.results as {
      index: number;
      status: number;
      outcome?: string;
      rewards?: { ordinal: number; amount: number }[];
      error?: { code: string; field?: string };
    }[];
    expect(results.map((r) => [r.index, r.status, r.outcome ?? r.error?.code])).toEqual([
      [0, 201, 'reward_created'],
      [1, 404, 'not_found'],
      [2, 201, 'reward_created'],
      [3, 200, 'reward_created'],
      [4, 409, 'conversion_mismatch'],
      [5, 400, 'validation_failed'],
      [6, 201, 'awaiting_participant'],
    ]);
    expect(results[1]?.error?.field).toBe('referredId');
    expect(results[5]?.error?.field).toBe('amount');
    // Two sales of one referrer in one batch: consecutive tier ordinals, each with its amount.
    expect([results[0]?.rewards?.[0], results[2]?.rewards?.[0]].map((r) => [r?.ordinal, r?.amount])).toEqual([
      [1, 2500],
      [2, 5000],
    ]);
    // The claims as the batch answered them are the claims as the API shows them afterwards.
    const shown = json(await t.owner.get(`/v1/rewards?referrerId=${jess.id}&limit=10`), 200).items as {
      id: string;
    }[];
    for (const answered of [results[0]?.rewards?.[0], results[2]?.rewards?.[0]]) {
      expect(shown.find((reward) => reward.id === (answered as { id: string } | undefined)?.id)).toEqual(answered);
    }
    // The replay answered exactly what the first got.
    expect(results[3]?.rewards).toEqual(results[0]?.rewards);
    // What was refused wrote nothing; what was valid is there, once.
    const listed = json(await t.owner.get('/v1/conversions?limit=50'), 200).items as { externalId: string }[];
    expect(listed.map((c) => c.externalId).sort()).toEqual(['inv-1', 'inv-3', 'inv-5']);
    // Sent again alone, the first event is a replay with the same answer.
    const again = await t.owner.post('/v1/conversions', sale('inv-1', { referredExternalId: 'crm-sam' }));
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body).rewards).toEqual(results[0]?.rewards);
  });

  it('refuses an empty batch and one of more than 1,000 events, naming the field, and writes nothing', async () => {
    for (const events of [[], Array.from({ length: 1001 }, () => ({}))]) {
      const response = await t.owner.post('/v1/conversions/batch', { events });
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body).field).toBe('events');
    }
    const notAList = await t.owner.post('/v1/conversions/batch', { events: 'inv-1' });
    expect(notAList.statusCode).toBe(400);
  });

  it('applies a refund after its sale within one batch, voiding the claim', async () => {
    const referrer = await newParticipant(t.owner);
    const customer = await newParticipant(t.owner);
    await newReferral(t.owner, referrer.id, customer.id);
    const body = json(
      await t.owner.post('/v1/conversions/batch', {
        events: [
          { externalId: 'sale-r1', type: 'deal_won', amount: 50_000, currency: 'USD', referredId: customer.id },
          { externalId: 'refund-r1', type: 'refund', amount: 50_000, currency: 'USD', originalExternalId: 'sale-r1' },
        ],
      }),
      200,
    );
    expect(body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['reward_created', 'reversal_applied']);
    const rewardId = body.results[0].rewards[0].id;
    expect(json(await t.owner.get(`/v1/rewards/${rewardId}`), 200).status).toBe('reversed');
  });

  it('gives each of many simultaneous single requests its own answer (grouped into shared transactions)', async () => {
    const referrer = await newParticipant(t.owner);
    const customers = [];
    for (let i = 0; i < 30; i++) {
      const customer = await newParticipant(t.owner);
      await newReferral(t.owner, referrer.id, customer.id);
      customers.push(customer);
    }
    const responses = await Promise.all(
      customers.map((customer, i) =>
        t.owner.post('/v1/conversions', {
          externalId: `burst-${i}`,
          type: 'deal_won',
          amount: 10_000,
          currency: 'USD',
          referredId: i === 7 ? 'par_nobody000000000000000' : customer.id,
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode).filter((s) => s === 201)).toHaveLength(29);
    expect(responses[7]?.statusCode).toBe(404);
    const ordinals = responses
      .filter((r) => r.statusCode === 201)
      .map((r) => JSON.parse(r.body).rewards[0].ordinal as number)
      .sort((a, b) => a - b);
    expect(ordinals).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
    for (const [i, response] of responses.entries()) {
      if (response.statusCode === 201) expect(JSON.parse(response.body).conversion.externalId).toBe(`burst-${i}`);
    }
  });
});

describe.skipIf(!onPostgres)('two server processes on one PostgreSQL', () => {
  let servers: RunningServer[] = [];
  let drop: () => Promise<void>;
  let url: string;
  beforeAll(async () => {
    const scratch = await scratchPostgresUrl();
    url = scratch.url;
    drop = scratch.drop;
    const env = { DATABASE_URL: scratch.url, REWARDLOOP_WORKERS: 'off' };
    servers = [await startServer(env)];
    servers.push(await startServer(env));
  }, 120_000);
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await drop();
  });

  it('hands out tier ordinals once each and one reward per customer, whichever process takes the events', async () => {
    const key = /\n {2}(rl_[A-Za-z0-9_-]{40,})\n/.exec(servers[0]?.output() ?? '')?.[1] ?? '';
    expect(key).not.toBe('');
    const call = async (server: RunningServer, path: string, body: unknown) => {
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const first = servers[0] as RunningServer;
    const referrers: string[] = [];
    for (let r = 0; r < 3; r++) {
      referrers.push(String((await call(first, '/v1/participants', { name: `Referrer ${r}` })).body.id));
    }
    const customers: string[] = [];
    for (let c = 0; c < 60; c++) {
      const customer = String((await call(first, '/v1/participants', { name: `Customer ${c}` })).body.id);
      customers.push(customer);
      await call(first, '/v1/referrals', { referrerId: referrers[c % 3], referredId: customer, source: 'manual' });
    }
    // Every customer's sale is sent twice, under two ids, to both processes at once: both in
    // batches and as single requests, in different orders.
    const events = (suffix: string, order: string[]) =>
      order.map((customer) => ({
        externalId: `${customer}-${suffix}`,
        type: 'deal_won',
        amount: 10_000,
        currency: 'USD',
        referredId: customer,
      }));
    const reversed = [...customers].reverse();
    const work: Promise<unknown>[] = [];
    for (let part = 0; part < 60; part += 15) {
      work.push(
        call(servers[0] as RunningServer, '/v1/conversions/batch', {
          events: events('a', customers.slice(part, part + 15)),
        }),
      );
      work.push(
        call(servers[1] as RunningServer, '/v1/conversions/batch', {
          events: events('b', reversed.slice(part, part + 15)),
        }),
      );
    }
    for (const [i, customer] of customers.entries()) {
      work.push(call(servers[i % 2] as RunningServer, '/v1/conversions', events('c', [customer])[0]));
    }
    await Promise.all(work);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const perCustomer = await client.query(
        `select referred_id, count(*)::int as n from rewards where status <> 'reversed' group by referred_id`,
      );
      expect(perCustomer.rows).toHaveLength(60);
      expect(perCustomer.rows.every((row) => row.n === 1)).toBe(true);
      const ordinals = await client.query(
        'select referrer_id, array_agg(ordinal order by ordinal) as ordinals from rewards group by referrer_id',
      );
      for (const row of ordinals.rows) {
        expect(row.ordinals).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      }
    } finally {
      await client.end();
    }
  }, 120_000);
});
