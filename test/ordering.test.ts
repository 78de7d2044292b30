import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recheckReward } from '../src/rewards/recheck.service.js';
import { type Api, json, newClaim, newParticipant, newReferral, startTestApp, type TestApp } from './support/app.js';

/**
 * Events about one sale, in any order and at the same moment, end in the same state; and a
 * decision once taken (a resolved flag, an approved amount) is not undone by bookkeeping.
 */
describe('order and races', () => {
  let t: TestApp;
  let finance: Api;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance');
  });
  afterAll(() => t.close());

  it('voids the claim when a full refund was recorded before the customer was known', async () => {
    const referrer = await newParticipant(t.owner);
    const sale = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'late-1',
        type: 'deal_won',
        referredExternalId: 'crm-late-1',
        amount: 5000,
        currency: 'USD',
      }),
      201,
    );
    expect(sale.outcome).toBe('awaiting_participant');
    json(
      await t.owner.post('/v1/conversions', {
        externalId: 'late-1-refund',
        type: 'refund',
        originalExternalId: 'late-1',
        amount: 5000,
        currency: 'USD',
      }),
      201,
    );
    const customer = await newParticipant(t.owner, { externalId: 'crm-late-1' });
    await newReferral(t.owner, referrer.id, customer.id);
    const rewards = json(await t.owner.get(`/v1/rewards?referredId=${customer.id}`), 200).items;
    // A sale refunded in full earns nothing, whichever order the events came in.
    expect(rewards.every((r: { status: string }) => r.status === 'reversed')).toBe(true);
  });

  it('applies two simultaneous partial refunds that add up to the whole sale', async () => {
    const { reward, result } = await newClaim(t.owner, { conversion: { amount: 10_000 } });
    const refund = (n: number) =>
      t.owner.post('/v1/conversions', {
        externalId: `half-${n}`,
        type: 'refund',
        originalExternalId: result.conversion.externalId,
        amount: 6000,
        currency: 'USD',
      });
    const answers = await Promise.all([refund(1), refund(2)]);
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201]);
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('reversed');
  });

  it('applies a refund that arrives at the same moment as its sale', async () => {
    const referrer = await newParticipant(t.owner);
    const customer = await newParticipant(t.owner);
    await newReferral(t.owner, referrer.id, customer.id);
    const [sale, refund] = await Promise.all([
      t.owner.post('/v1/conversions', {
        externalId: 'race-sale',
        type: 'deal_won',
        referredId: customer.id,
        amount: 4000,
        currency: 'USD',
      }),
      t.owner.post('/v1/conversions', {
        externalId: 'race-refund',
        type: 'refund',
        originalExternalId: 'race-sale',
        amount: 4000,
        currency: 'USD',
      }),
    ]);
    expect([sale.statusCode, refund.statusCode]).toEqual([201, 201]);
    const rewards = json(await t.owner.get(`/v1/rewards?referredId=${customer.id}`), 200).items;
    expect(rewards).toHaveLength(1);
    expect(rewards[0].status).toBe('reversed');
  });

  it('links a conversion to a customer created at the same moment', async () => {
    const [conversion, person] = await Promise.all([
      t.owner.post('/v1/conversions', {
        externalId: 'race-ext',
        type: 'deal_won',
        referredExternalId: 'crm-race',
        amount: 100,
        currency: 'USD',
      }),
      t.owner.post('/v1/participants', { name: 'Racing Customer', externalId: 'crm-race' }),
    ]);
    expect([conversion.statusCode, person.statusCode]).toEqual([201, 201]);
    const list = json(await t.owner.get('/v1/conversions?limit=100'), 200).items;
    const linked = list.find((c: { externalId: string }) => c.externalId === 'race-ext');
    expect(linked.referredId).toBe(JSON.parse(person.body).id);
  });

  it('refuses to change a failed fulfilment’s amount: the retry pays what was approved', async () => {
    const { reward } = await newClaim(t.owner);
    json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-failed`, { reason: 'Gift card vendor down' }), 200);
    const refused = json(
      await finance.post(`/v1/rewards/${reward.id}/adjust`, { amount: 500_000, reason: 'bigger' }),
      409,
    );
    expect(refused.code).toBe('invalid_transition');
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, { note: 'Sent by hand instead' }), 200);
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).amount).toBe(reward.amount);
  });

  it('does not raise a resolved flag again when nothing about it changed', async () => {
    const partner = await newParticipant(t.owner, { kind: 'partner' });
    json(
      await t.owner.post('/v1/partner-exceptions', {
        participantId: partner.id,
        amount: 9000,
        reason: 'Agreed',
        expiresAt: '2027-01-01T00:00:00Z',
      }),
      201,
    );
    const customer = await newParticipant(t.owner);
    await newReferral(t.owner, partner.id, customer.id);
    const claim = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'px-1',
        type: 'deal_won',
        referredId: customer.id,
        amount: 1,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    const flag = claim.flags.find((f: { type: string }) => f.type === 'partner_exception');
    json(
      await finance.post(`/v1/rewards/${claim.id}/flags/${flag.id}/resolve`, { reason: 'Confirmed with the contract' }),
      200,
    );
    json(await finance.post(`/v1/rewards/${claim.id}/approve`, {}), 200);
    const raised = await t.database.db.transaction((tx) =>
      recheckReward(
        tx,
        {
          actor: { type: 'system', id: 'test', name: 'Test', role: 'system', workspaceId: t.workspaceId },
          at: t.clock.now(),
          publicUrl: '',
        },
        claim.id,
        'bookkeeping',
      ),
    );
    expect(raised).toEqual([]);
    expect(json(await t.owner.get(`/v1/rewards/${claim.id}`), 200).status).toBe('pending');
  });
});
