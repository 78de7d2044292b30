import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Api,
  json,
  newClaim,
  newConversion,
  newParticipant,
  newReferral,
  startTestApp,
  type TestApp,
} from './support/app.js';

describe('voiding a wrongly logged referral', () => {
  let t: TestApp;
  let finance: Api;
  let staff: Api;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance');
    staff = await t.as('staff');
  });
  afterAll(() => t.close());

  const del = (api: Api, id: string, body: unknown = { reason: 'wrong' }) =>
    t.app.inject({
      method: 'DELETE',
      url: `/v1/referrals/${id}`,
      headers: { authorization: `Bearer ${api.key}` },
      payload: body as object,
    });

  it('reverses an unpaid reward with the reason, and the referral leaves the counts', async () => {
    const { reward, referrer } = await newClaim(t.owner);
    const referral = json(await t.owner.get(`/v1/referrals?referrerId=${referrer.id}`), 200).items[0];
    expect(json(await t.owner.get(`/v1/participants/${referrer.id}`), 200).stats.referralsMade).toBe(1);
    const voided = json(await del(finance, referral.id, { reason: 'Logged against the wrong customer' }), 200);
    expect(voided).toMatchObject({ referralId: referral.id, rewards: [{ id: reward.id, outcome: 'reversed' }] });
    const after = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(after.status).toBe('reversed');
    expect(JSON.stringify(after)).toContain('Logged against the wrong customer');
    expect(json(await t.owner.get(`/v1/participants/${referrer.id}`), 200).stats.referralsMade).toBe(0);
    // Kept for the audit, and says it was voided, by whom and why.
    expect(json(await t.owner.get(`/v1/referrals/${referral.id}`), 200).voided).toMatchObject({
      reason: 'Logged against the wrong customer',
    });
  });

  it('reverses a paid reward with a recovery task, as a refund would', async () => {
    const { reward, referrer } = await newClaim(t.owner);
    json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    json(await staff.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    const referral = json(await t.owner.get(`/v1/referrals?referrerId=${referrer.id}`), 200).items[0];
    const voided = json(await del(t.owner, referral.id, { reason: 'Duplicate entry' }), 200);
    expect(voided.rewards).toEqual([{ id: reward.id, outcome: 'reversed_after_payment' }]);
    const tasks = json(await t.owner.get('/v1/recovery-tasks'), 200).items;
    expect(tasks.some((task: { rewardId: string }) => task.rewardId === reward.id)).toBe(true);
  });

  it('refuses staff and viewers, and changes nothing', async () => {
    const { reward, referrer } = await newClaim(t.owner);
    const referral = json(await t.owner.get(`/v1/referrals?referrerId=${referrer.id}`), 200).items[0];
    for (const role of [staff, await t.as('viewer')]) {
      expect(json(await del(role, referral.id), 403).code).toBe('forbidden');
    }
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('in_review');
  });

  it('answers 409 to a second void, keeping the first one’s reason; needs a reason', async () => {
    const { referrer } = await newClaim(t.owner);
    const referral = json(await t.owner.get(`/v1/referrals?referrerId=${referrer.id}`), 200).items[0];
    expect(json(await del(finance, referral.id, {}), 400).errors[0].field).toBe('reason');
    json(await del(finance, referral.id, { reason: 'first' }), 200);
    const again = json(await del(t.owner, referral.id, { reason: 'second' }), 409);
    expect(again.detail).toContain('first');
  });

  it('voids once when several people void the same referral at the same moment', async () => {
    const { reward, referrer } = await newClaim(t.owner);
    json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    json(await staff.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    const referral = json(await t.owner.get(`/v1/referrals?referrerId=${referrer.id}`), 200).items[0];
    const answers = await Promise.all(
      [finance, t.owner, finance, t.owner, finance].map((api, n) => del(api, referral.id, { reason: `attempt ${n}` })),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409, 409, 409, 409]);
    const tasks = json(await t.owner.get('/v1/recovery-tasks'), 200).items.filter(
      (task: { rewardId: string }) => task.rewardId === reward.id,
    );
    expect(tasks).toHaveLength(1);
  });

  it('never lets a voided referral make a claim again', async () => {
    const { referrer, referred } = await newClaim(t.owner);
    const referral = json(await t.owner.get(`/v1/referrals?referrerId=${referrer.id}`), 200).items[0];
    json(await del(finance, referral.id, { reason: 'not a real referral' }), 200);
    // The customer buys again: whatever the engine answers, no live claim names the voided referral.
    const response = await t.owner.post('/v1/conversions', {
      source: 'crm',
      externalId: `again-${referred.id}`,
      type: 'deal_won',
      referredId: referred.id,
      amount: 100000,
      currency: 'USD',
      occurredAt: t.clock.now().toISOString(),
    });
    expect(response.statusCode, response.body).toBeLessThan(500);
    const rewards = json(await t.owner.get(`/v1/rewards?limit=100`), 200).items as {
      referrer: { id: string };
      status: string;
    }[];
    expect(rewards.filter((r) => r.referrer.id === referrer.id && r.status !== 'reversed')).toEqual([]);
  });

  it('decides the dispute it was part of for the referrer left, whose claim now stands', async () => {
    const first = await newParticipant(t.owner, { name: 'Jessica Alvarez' });
    const second = await newParticipant(t.owner, { name: 'Sam Rivers' });
    const customer = await newParticipant(t.owner, { name: 'Lee Park' });
    const wrong = await newReferral(t.owner, first.id, customer.id);
    await newReferral(t.owner, second.id, customer.id);
    const result = await newConversion(t.owner, customer.id);
    const reward = result.rewards[0];
    const disputes = json(await t.owner.get('/v1/disputes?status=open'), 200).items as {
      id: string;
      referred: { id: string };
    }[];
    const dispute = disputes.find((d) => d.referred.id === customer.id);
    expect(dispute).toBeDefined();
    const voided = json(await del(finance, wrong.id, { reason: 'Jessica never met Lee' }), 200);
    expect(voided.dispute).toEqual({ id: dispute?.id, outcome: 'decided' });
    const decided = json(await t.owner.get(`/v1/disputes/${dispute?.id}`), 200);
    expect(decided.status).toBe('resolved');
    const rewards = json(await t.owner.get('/v1/rewards?limit=100'), 200).items as {
      id: string;
      referrer: { id: string };
      referred: { id: string };
      status: string;
    }[];
    const live = rewards.filter((r) => r.referred.id === customer.id && r.status !== 'reversed');
    expect(live).toHaveLength(1);
    expect(live[0]?.referrer.id).toBe(second.id);
    expect(reward).toBeDefined();
  });
});
