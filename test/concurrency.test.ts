import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, json, newClaim, newParticipant, newReferral, startTestApp, type TestApp } from './support/app.js';
import { grew, tableCounts } from './support/counts.js';

/** Things that must happen once, hit all at once. Meaningful on PostgreSQL (real parallelism). */
describe('concurrency', () => {
  let t: TestApp;
  let finance: Api;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance');
  });
  afterAll(() => t.close());

  it('lets exactly one of two simultaneous "mark sent" calls win; the other gets 409', async () => {
    const { reward } = await newClaim(t.owner);
    json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    const answers = await Promise.all([
      t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, { reference: 'A' }),
      finance.post(`/v1/rewards/${reward.id}/mark-sent`, { reference: 'B' }),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    expect(JSON.parse(answers.find((a) => a.statusCode === 409)?.body ?? '{}').code).toBe('invalid_transition');
    const detail = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(detail.history.filter((e: { action: string }) => e.action === 'reward.sent')).toHaveLength(1);
    expect(detail.thankYou.length).toBeLessThanOrEqual(1);
  });

  it('lets exactly one of 100 simultaneous approvals win', async () => {
    const { reward } = await newClaim(t.owner);
    const approvers = await Promise.all(Array.from({ length: 10 }, (_, i) => t.as('finance', `Approver ${i}`)));
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        approvers[i % 10]!.post(`/v1/rewards/${reward.id}/approve`, { note: `try ${i}` }),
      ),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    const detail = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(detail.status).toBe('pending');
    expect(detail.approvals).toHaveLength(1);
    expect(detail.history.filter((e: { action: string }) => e.action === 'reward.approved')).toHaveLength(1);
  });

  it('turns 50 simultaneous deliveries of one event into one conversion and one claim, answering each with success', async () => {
    const referrer = await newParticipant(t.owner);
    const referred = await newParticipant(t.owner);
    await newReferral(t.owner, referrer.id, referred.id);
    const event = {
      externalId: 'storm-1',
      source: 'stripe',
      type: 'invoice_paid',
      referredId: referred.id,
      amount: 9900,
      currency: 'USD',
      occurredAt: '2026-03-01T00:00:00Z',
    };
    const before = await tableCounts(t.database);
    const answers = await Promise.all(Array.from({ length: 50 }, () => t.owner.post('/v1/conversions', event)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([...Array(49).fill(200), 201]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    const after = await tableCounts(t.database);
    expect(grew(after, before, 'conversions')).toBe(1);
    expect(grew(after, before, 'rewards')).toBe(1);
  });

  it('gives simultaneous conversions of one referrer distinct tier ordinals', async () => {
    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 2500,
        currency: 'USD',
        tiers: [
          { fromReferral: 1, amount: 2500 },
          { fromReferral: 3, amount: 5000 },
          { fromReferral: 5, amount: 10_000 },
        ],
      }),
      200,
    );
    const referrer = await newParticipant(t.owner);
    const customers = [];
    for (let i = 0; i < 8; i++) {
      const customer = await newParticipant(t.owner);
      await newReferral(t.owner, referrer.id, customer.id);
      customers.push(customer);
    }
    const answers = await Promise.all(
      customers.map((customer, i) =>
        t.owner.post('/v1/conversions', {
          externalId: `same-moment-${i}`,
          type: 'deal_won',
          referredId: customer.id,
          amount: 1000,
          currency: 'USD',
        }),
      ),
    );
    const rewards = answers.map((a) => json(a, 201).rewards[0]);
    expect(rewards.map((r) => r.ordinal).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const amountOf = (n: number) => (n >= 5 ? 10_000 : n >= 3 ? 5000 : 2500);
    for (const reward of rewards) expect(reward.amount).toBe(amountOf(reward.ordinal));
  });

  it('runs concurrent requests carrying one Idempotency-Key once', async () => {
    const before = await tableCounts(t.database);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.owner.post('/v1/participants', { name: 'Once Only' }, { 'idempotency-key': 'create-once-only' }),
      ),
    );
    expect(answers.every((a) => a.statusCode === 201)).toBe(true);
    expect(new Set(answers.map((a) => JSON.parse(a.body).id)).size).toBe(1);
    const after = await tableCounts(t.database);
    expect(grew(after, before, 'participants')).toBe(1);
  });
});
