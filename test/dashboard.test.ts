import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, json, newClaim, newParticipant, newReferral, startTestApp, type TestApp } from './support/app.js';

const DAY = 86_400_000;

describe('the dashboard', () => {
  let t: TestApp;
  let finance: Api;
  beforeAll(async () => {
    // A Monday, so weeks line up with the calendar.
    t = await startTestApp({ start: new Date('2026-03-02T10:00:00Z') });
    finance = await t.as('finance');
  });
  afterAll(() => t.close());

  it('counts claims, approvals, flags and payouts per week, with cost against referred revenue', async () => {
    // Week 1: two claims, one approved and sent two days after its sale.
    const first = await newClaim(t.owner, { conversion: { amount: 100_000 } });
    await newClaim(t.owner, { conversion: { amount: 50_000 } });
    json(await finance.post(`/v1/rewards/${first.reward.id}/approve`, {}), 200);
    t.clock.advance(2 * DAY);
    json(await t.owner.post(`/v1/rewards/${first.reward.id}/mark-sent`, {}), 200);
    // Week 2: a flagged claim (same phone on both sides).
    t.clock.advance(7 * DAY);
    const a = await newParticipant(t.owner, { phone: '+14155550123' });
    const b = await newParticipant(t.owner, { phone: '+14155550123' });
    await newReferral(t.owner, a.id, b.id);
    json(
      await t.owner.post('/v1/conversions', {
        externalId: 'dash-flag',
        type: 'deal_won',
        referredId: b.id,
        amount: 20_000,
        currency: 'USD',
      }),
      201,
    );

    const dashboard = json(await t.owner.get('/v1/reports/dashboard?weeks=4'), 200);
    expect(dashboard.totals).toMatchObject({
      claimsCreated: 3,
      approved: 1,
      flagged: 1,
      sent: 1,
      medianHoursToSent: 48,
      rewardCost: [{ currency: 'USD', amount: 2500 }],
      referredRevenue: [{ currency: 'USD', amount: 170_000 }],
    });
    expect(dashboard.weekly).toHaveLength(4);
    const [, , weekOne, weekTwo] = dashboard.weekly;
    expect(weekOne).toMatchObject({
      created: 2,
      approved: 1,
      sent: 1,
      flagged: 0,
      rewardCost: [{ currency: 'USD', amount: 2500 }],
    });
    expect(weekTwo).toMatchObject({ created: 1, approved: 0, sent: 0, flagged: 1, rewardCost: [] });
    expect(new Date(weekOne.weekStart).getUTCDay()).toBe(1);
  });
});
