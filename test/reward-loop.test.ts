import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, json, newParticipant, newReferral, startTestApp, type TestApp } from './support/app.js';

/**
 * The loop a new user walks through from the README: set a policy, add people and a referral,
 * post a conversion, see the claim with the right amount, approve it, mark it sent, and see the
 * thank-you queued (or skipped, with its reason).
 */
describe('the reward loop', () => {
  let t: TestApp;
  let finance: Api;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance', 'Fiona (finance)');
  });
  afterAll(() => t.close());

  it('turns a converted referral into a reward that is approved, sent and thanked', async () => {
    const policy = json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 2500,
        currency: 'USD',
        provider: 'Tremendous',
        autoThank: true,
        thankChannel: 'email_and_sms',
        tiers: [
          { fromReferral: 1, amount: 2500 },
          { fromReferral: 3, amount: 5000 },
        ],
      }),
      200,
    );
    expect(policy.version).toBe(2);
    expect(policy.summary).toBe(
      'Gift card, 25.00 USD via Tremendous; 25.00 USD from the 1st referral, 50.00 USD from the 3rd referral',
    );

    const jessica = await newParticipant(t.owner, {
      name: 'Jessica Alvarez',
      email: 'jessica@example.com',
      phone: '(415) 555-0142',
      emailMarketingConsent: true,
    });
    expect(jessica.phone).toBe('+14155550142');
    expect(jessica.referralCode).toMatch(/^[2-9A-HJKMNP-TV-Z]{8}$/);
    expect(jessica.referralUrl).toBe(
      `http://rewardloop.test/r/${jessica.referralUrl.split('/')[4]}/${jessica.referralCode}`,
    );

    const sam = await newParticipant(t.owner, { name: 'Sam Lee', externalId: 'crm-77' });
    const referral = await newReferral(t.owner, jessica.id, sam.id, {
      evidence: { note: 'She said Jessica sent her' },
    });
    expect(referral.rewardStatus).toBe('NONE');

    const conversion = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'deal-1001',
        source: 'hubspot',
        type: 'deal_won',
        referredExternalId: 'crm-77',
        amount: 480_000,
        currency: 'USD',
      }),
      201,
    );
    expect(conversion.outcome).toBe('reward_created');
    const [claim] = conversion.rewards;
    expect(claim).toMatchObject({
      status: 'in_review',
      amount: 2500,
      currency: 'USD',
      summary: 'Gift card, 25.00 USD via Tremendous',
      calculation: '1st converted referral; tier from 1st referral: 2500 USD (25.00 USD)',
      recommendation: 'eligible',
      referrer: { name: 'Jessica Alvarez' },
      referred: { name: 'Sam Lee' },
    });

    const inReview = json(await t.owner.get('/v1/rewards?status=in_review'), 200);
    expect(inReview.items.map((r: { id: string }) => r.id)).toEqual([claim.id]);

    const approved = json(
      await finance.post(`/v1/rewards/${claim.id}/approve`, { note: 'Deal confirmed in HubSpot' }),
      200,
    );
    expect(approved.status).toBe('pending');
    expect(approved.approvals).toHaveLength(1);

    const pending = json(await t.owner.get('/v1/rewards?status=pending'), 200);
    expect(pending.items).toHaveLength(1);
    expect(pending.items[0]).toMatchObject({
      id: claim.id,
      amount: 2500,
      notes: expect.stringContaining('Deal confirmed'),
    });

    const sent = json(
      await t.owner.post(`/v1/rewards/${claim.id}/mark-sent`, { reference: 'TREM-4471', note: 'Sent by email' }),
      200,
    );
    expect(sent.status).toBe('sent');
    expect(sent.sentAt).toBe(t.clock.now().toISOString());
    expect(sent.sentReference).toBe('TREM-4471');
    // Email has consent and an address: queued. SMS has a number but no consent: skipped, with the reason.
    const byChannel = Object.fromEntries(sent.thankYou.map((m: { channel: string }) => [m.channel, m]));
    expect(byChannel.email).toMatchObject({ status: 'queued', to: 'jessica@example.com', skipReason: null });
    expect(byChannel.sms).toMatchObject({ status: 'skipped', skipReason: 'no_consent' });

    const detail = json(await t.owner.get(`/v1/rewards/${claim.id}`), 200);
    expect(detail.history.map((event: { action: string }) => event.action)).toEqual([
      'reward.created',
      'reward.approved',
      'reward.sent',
      'thank_you.queued',
    ]);
    expect(detail.checks.length).toBeGreaterThanOrEqual(8);

    const sentTab = json(await t.owner.get('/v1/rewards?status=sent'), 200);
    expect(sentTab.items.map((r: { id: string }) => r.id)).toEqual([claim.id]);

    const referrals = json(await t.owner.get(`/v1/referrals?referrerId=${jessica.id}`), 200);
    expect(referrals.items[0].rewardStatus).toBe('SENT');
    const jessicaNow = json(await t.owner.get(`/v1/participants/${jessica.id}`), 200);
    expect(jessicaNow.stats).toEqual({
      referralsMade: 1,
      referralsSuccessful: 1,
      rewardsEarned: [{ currency: 'USD', amount: 2500 }],
    });
  });

  it('records do-not-contact and missing addresses as skip reasons, and the reward stays sent', async () => {
    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'account_credit',
        amount: 5000,
        currency: 'USD',
        thankChannel: 'email_and_sms',
      }),
      200,
    );
    const referrer = await newParticipant(t.owner, {
      name: 'Do Not Call',
      email: 'dnc@example.com',
      emailMarketingConsent: true,
      smsMarketingConsent: true,
      doNotContact: true,
    });
    const noPhone = await newParticipant(t.owner, {
      name: 'No Phone',
      email: 'nophone@example.com',
      smsMarketingConsent: true,
      emailMarketingConsent: true,
    });
    const [a, b] = [await newParticipant(t.owner), await newParticipant(t.owner)];
    await newReferral(t.owner, referrer.id, a.id);
    await newReferral(t.owner, noPhone.id, b.id);
    const claimA = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'x-1',
        type: 'invoice_paid',
        referredId: a.id,
        amount: 1000,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    const claimB = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'x-2',
        type: 'invoice_paid',
        referredId: b.id,
        amount: 1000,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    for (const claim of [claimA, claimB]) json(await finance.post(`/v1/rewards/${claim.id}/approve`, {}), 200);
    const sentA = json(await t.owner.post(`/v1/rewards/${claimA.id}/mark-sent`, {}), 200);
    expect(sentA.status).toBe('sent');
    expect(sentA.thankYou.map((m: { skipReason: string }) => m.skipReason)).toEqual([
      'do_not_contact',
      'do_not_contact',
    ]);
    const sentB = json(await t.owner.post(`/v1/rewards/${claimB.id}/mark-sent`, {}), 200);
    const reasons = Object.fromEntries(
      sentB.thankYou.map((m: { channel: string; status: string; skipReason: string }) => [
        m.channel,
        m.skipReason ?? m.status,
      ]),
    );
    expect(reasons).toEqual({ email: 'queued', sms: 'no_address' });
  });

  it('queues no thank-you when auto-thank is off', async () => {
    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 1000,
        currency: 'EUR',
        autoThank: false,
      }),
      200,
    );
    const referrer = await newParticipant(t.owner, { emailMarketingConsent: true });
    const referred = await newParticipant(t.owner);
    await newReferral(t.owner, referrer.id, referred.id);
    const claim = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'nt-1',
        type: 'deal_won',
        referredId: referred.id,
        amount: 1,
        currency: 'EUR',
      }),
      201,
    ).rewards[0];
    expect(claim.summary).toBe('Gift card, 10.00 EUR');
    json(await finance.post(`/v1/rewards/${claim.id}/approve`, {}), 200);
    const sent = json(await t.owner.post(`/v1/rewards/${claim.id}/mark-sent`, {}), 200);
    expect(sent.thankYou).toEqual([]);
  });

  it('keeps a claim on the policy version it was computed with', async () => {
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 7000, currency: 'USD' }), 200);
    const referrer = await newParticipant(t.owner);
    const referred = await newParticipant(t.owner);
    await newReferral(t.owner, referrer.id, referred.id);
    const claim = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'pv-1',
        type: 'deal_won',
        referredId: referred.id,
        amount: 1,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    const newer = json(
      await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 9000, currency: 'USD' }),
      200,
    );
    const again = json(await t.owner.get(`/v1/rewards/${claim.id}`), 200);
    expect(again.amount).toBe(7000);
    expect(again.policyVersion).toBe(newer.version - 1);
  });

  it('answers a replayed conversion with the first answer and creates nothing new', async () => {
    const referrer = await newParticipant(t.owner);
    const referred = await newParticipant(t.owner);
    await newReferral(t.owner, referrer.id, referred.id);
    const event = {
      externalId: 'replay-1',
      source: 'billing',
      type: 'invoice_paid',
      referredId: referred.id,
      amount: 5000,
      currency: 'USD',
      occurredAt: '2026-03-01T10:00:00Z',
    };
    const first = await t.owner.post('/v1/conversions', event);
    expect(first.statusCode).toBe(201);
    const before = json(await t.owner.get('/v1/rewards?limit=100'), 200).items.length;
    const second = await t.owner.post('/v1/conversions', event);
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect(json(await t.owner.get('/v1/rewards?limit=100'), 200).items.length).toBe(before);
    const changed = await t.owner.post('/v1/conversions', { ...event, amount: 6000 });
    expect(json(changed, 409)).toMatchObject({ code: 'conversion_mismatch', field: 'externalId' });
  });
});
