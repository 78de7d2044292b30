/**
 * The contractor scenario end to end, through the API, the public pages and the providers'
 * wire formats (an SMTP server and a Twilio-shaped HTTP server): a satisfied job invites by SMS,
 * the link brings a lead, the lead's job is invoiced, the reward is approved, sent and thanked,
 * the referrer's rating lands on the dashboard, the leaderboards show the right people and
 * nothing private, and deleting the referral takes the reward back.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/access/access.service.js';
import { referrerRatings } from '../src/db/schema.js';
import { createDispatcher, type Dispatcher } from '../src/messaging/dispatcher.js';
import { providersFromConfig } from '../src/messaging/index.js';
import { twilioSignature } from '../src/messaging/webhook-signatures.core.js';
import { thankOnDelivery } from '../src/rewards/index.js';
import {
  type Api,
  json,
  newConversion,
  newParticipant,
  newReferral,
  PUBLIC_URL,
  startTestApp,
  type TestApp,
} from './support/app.js';
import {
  type FakeHttpProvider,
  type SmtpInbox,
  startFakeTwilio,
  startSmtpServer,
  TWILIO_SID,
  TWILIO_TOKEN,
} from './support/fake-providers.js';

async function drain(dispatcher: Dispatcher) {
  while ((await dispatcher.runOnce()) > 0) {
    // keep going while there is due work
  }
}

describe('the contractor’s growth loop', () => {
  let t: TestApp;
  let finance: Api;
  let staff: Api;
  let smtp: SmtpInbox;
  let twilio: FakeHttpProvider;
  let dispatcher: Dispatcher;
  let slug: string;
  const path = (url: string) => url.replace(PUBLIC_URL, '');
  const textsTo = (phone: string) =>
    twilio.deliveries.filter((d) => d.body.To === phone).map((d) => String(d.body.Body));
  const inbound = (from: string, body: string) => {
    const fields = {
      From: from,
      To: '+15005550006',
      Body: body,
      MessageSid: `SM${Math.random().toString(36).slice(2)}`,
    };
    return t.app.inject({
      method: 'POST',
      url: '/webhooks/twilio/sms',
      payload: new URLSearchParams(fields).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, fields),
      },
    });
  };

  beforeAll(async () => {
    t = await startTestApp({ webhookSecrets: { twilioAuthTokens: TWILIO_TOKEN } });
    finance = await t.as('finance');
    staff = await t.as('staff');
    smtp = await startSmtpServer();
    twilio = await startFakeTwilio();
    dispatcher = createDispatcher({
      onThankYouAccepted: thankOnDelivery,
      db: t.database.db,
      clock: t.clock,
      publicUrl: PUBLIC_URL,
      providers: providersFromConfig({
        publicUrl: PUBLIC_URL,
        email: {
          smtpUrl: smtp.url,
          from: { address: 'jobs@bright-roofing.test', name: undefined },
          resendApiKey: undefined,
          resendApiUrl: '',
          resendWebhookSecret: undefined,
        },
        sms: { accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: '+15005550006', apiUrl: twilio.url },
      }),
    });
    slug = json(await t.owner.patch('/v1/workspace', { companyName: 'Bright Roofing', senderName: 'Dan' }), 200).slug;
    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 5000,
        currency: 'USD',
        provider: 'Tremendous',
        thankChannel: 'email_and_sms',
      }),
      200,
    );
  });
  afterAll(async () => {
    await smtp.close();
    await twilio.close();
    await t.close();
  });

  it('runs from a happy job to a thanked, rated, ranked referrer, and back when the referral was wrong', async () => {
    // 1. Two jobs: Maria scores 5 and is texted an invitation; Tom scores 3 and is not asked.
    const maria = await newParticipant(t.owner, {
      name: 'Maria Lopez',
      email: 'maria@example.com',
      phone: '+14155550101',
      emailMarketingConsent: true,
      smsMarketingConsent: true,
      externalId: 'crm-maria',
    });
    const tom = await newParticipant(t.owner, {
      name: 'Tom Grey',
      email: 'tom@example.com',
      phone: '+14155550102',
      smsMarketingConsent: true,
    });
    json(
      await t.owner.post('/v1/jobs', { externalId: 'J-100', customerExternalId: 'crm-maria', satisfactionScore: 5 }),
      201,
    );
    json(await t.owner.post('/v1/jobs', { externalId: 'J-101', customerId: tom.id, satisfactionScore: 3 }), 201);
    await drain(dispatcher);
    const [invitation] = textsTo(maria.phone);
    expect(textsTo(tom.phone)).toEqual([]);
    const link = /http:\/\/rewardloop\.test\/r\/\S+/.exec(invitation ?? '')?.[0] ?? '';
    expect(link).toBe(maria.referralUrl);

    // 2. Her neighbour follows the link and leaves his details: a lead referred by Maria.
    const landing = await t.app.inject({
      method: 'GET',
      url: path(link),
      headers: { 'user-agent': 'Phone' },
      remoteAddress: '198.51.100.7',
    });
    const cookie = String(landing.headers['set-cookie']).split(';')[0] ?? '';
    const clickId = /name="clickId" value="([^"]+)"/.exec(landing.body)?.[1] ?? '';
    const lead = await t.app.inject({
      method: 'POST',
      url: path(link),
      payload: new URLSearchParams({
        clickId,
        name: 'Ned Neighbour',
        email: 'ned@example.net',
        phone: '+14155550199',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Phone', cookie },
      remoteAddress: '198.51.100.7',
    });
    expect(lead.statusCode).toBe(200);
    const [referral] = json(await t.owner.get(`/v1/referrals?referrerId=${maria.id}`), 200).items;
    expect(referral).toMatchObject({ source: 'link', referred: { name: 'Ned Neighbour' } });

    // 3. Ned's job is invoiced; the claim is approved by finance and marked sent by staff.
    const conversion = json(
      await t.owner.post('/v1/conversions', {
        source: 'jobber',
        externalId: 'INV-7',
        type: 'job_invoiced',
        referredId: referral.referred.id,
        amount: 1_250_000,
        currency: 'USD',
        occurredAt: t.clock.now().toISOString(),
      }),
      201,
    );
    const reward = conversion.rewards[0];
    json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    json(await staff.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    await drain(dispatcher);
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('thanked');
    const thankYouText = textsTo(maria.phone).at(-1) ?? '';
    expect(thankYouText).toContain('Reply 1-5');
    const mail = smtp.mails.find((m) => m.subject?.startsWith('Thank you, Maria'));
    const html = String(mail?.html ?? '');
    const ratingLink = /href="(http:\/\/rewardloop\.test\/rate\/[^"?]+)\?score=5"/.exec(html)?.[1] ?? '';
    expect(ratingLink).not.toBe('');
    expect(html).toContain('/p/');

    // 4. Maria rates: a link prefetcher's GET records nothing; her click and confirm does. Her text "4" rates the text.
    const shown = await t.app.inject({ method: 'GET', url: `${path(ratingLink)}?score=5` });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('You picked 5');
    expect(json(await t.owner.get('/v1/reports/growth?months=1'), 200).satisfaction.responses).toBe(0);
    const confirm = await t.app.inject({
      method: 'POST',
      url: path(ratingLink),
      payload: 'score=5',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(confirm.statusCode).toBe(200);
    // A forged link (another message id, same signature) rates nothing.
    const forged = await t.app.inject({ method: 'GET', url: `${path(ratingLink).slice(0, -3)}abc?score=1` });
    expect(forged.statusCode).toBe(404);
    expect((await inbound(maria.phone, 'STOP 4')).statusCode).toBe(200);
    expect((await inbound(maria.phone, ' 4 ')).statusCode).toBe(200);
    const report = json(await t.owner.get('/v1/reports/growth?months=1'), 200);
    expect(report.satisfaction).toMatchObject({ responses: 2, average: 4.5, thankYousSent: 2, responseRate: 1 });
    expect(report.satisfaction.distribution).toEqual([
      { score: 1, count: 0 },
      { score: 2, count: 0 },
      { score: 3, count: 0 },
      { score: 4, count: 1 },
      { score: 5, count: 1 },
    ]);
    expect(report.funnel.at(-1)).toMatchObject({
      invitationsSent: 1,
      linkClicks: 1,
      leads: 1,
      conversions: 1,
      rewards: 1,
      rates: { clickRate: 1, leadRate: 1, conversionRate: 1, rewardRate: 1 },
    });
    // A second click changes the email rating.
    await t.app.inject({
      method: 'POST',
      url: path(ratingLink),
      payload: 'score=3',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(json(await t.owner.get('/v1/reports/growth?months=1'), 200).satisfaction.average).toBe(3.5);

    // 5. The leaderboard: Maria first; the public page shows "Maria L." only, no contact or id.
    const board = json(await t.owner.get('/v1/leaderboard?period=month'), 200);
    expect(board.items).toEqual([
      expect.objectContaining({
        rank: 1,
        participantId: maria.id,
        closedReferrals: 1,
        rewardsEarned: [{ currency: 'USD', amount: 5000 }],
      }),
    ]);
    json(await t.owner.patch('/v1/workspace', { publicLeaderboard: true }), 200);
    json(await t.owner.patch(`/v1/participants/${maria.id}`, { leaderboardOptIn: true }), 200);
    const publicBoard = await t.app.inject({ method: 'GET', url: `/leaderboard/${slug}.json?period=month` });
    expect(JSON.parse(publicBoard.body).items).toEqual([{ rank: 1, name: 'Maria L.', closedReferrals: 1 }]);
    for (const secret of [maria.id, maria.email, maria.phone, 'Lopez', 'Ned', 'Tom']) {
      expect(publicBoard.body).not.toContain(secret);
    }
    // Her own page shows her reward, and nothing of Ned.
    const { pageUrl } = json(await staff.get(`/v1/participants/${maria.id}/page`), 200);
    // The thank-you text links her page too (an SMS is where a technician's customer reads it).
    expect(thankYouText).toContain(`Your page: ${pageUrl}`);
    const own = await t.app.inject({ method: 'GET', url: path(pageUrl) });
    expect(own.body).toContain('Sent to you');
    expect(own.body).not.toContain('Ned');

    // 6. The referral was logged wrongly after all: deleting it takes the paid reward back.
    const voided = json(
      await t.app.inject({
        method: 'DELETE',
        url: `/v1/referrals/${referral.id}`,
        headers: { authorization: `Bearer ${t.owner.key}` },
        payload: { reason: 'Ned found us through an ad; the link was forwarded later' },
      }),
      200,
    );
    expect(voided.rewards).toEqual([{ id: reward.id, outcome: 'reversed_after_payment' }]);
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('reversed');
    expect(json(await t.owner.get('/v1/leaderboard?period=month'), 200).items).toEqual([]);
  });

  it('reads a texted digit as the rating of the one latest thank-you to that number, whichever workspace sent it', async () => {
    // The same person is a referrer of two businesses that share our sender number.
    const phone = '+14155550177';
    const withKey = (key: string): Api => {
      const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH') => (url: string, body?: unknown) =>
        t.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${key}` },
          ...(body === undefined ? {} : { payload: body as object }),
        });
      return { key, get: call('GET'), post: call('POST'), put: call('PUT'), patch: call('PATCH') };
    };
    const otherOwner = await t.otherWorkspace();
    // Other people of that business (a key minted through the API would act for its owner).
    const otherId = json(await otherOwner.get('/v1/workspace'), 200).id;
    const keyAs = async (role: 'finance' | 'staff') => {
      const actor = { type: 'system', id: 'test', name: 'Test', role: 'system', workspaceId: otherId } as const;
      const created = await createApiKey(t.database.db, {
        workspaceId: otherId,
        role,
        name: role,
        actor,
        at: t.clock.now(),
      });
      return withKey(created.key);
    };
    json(
      await otherOwner.put('/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 2500,
        currency: 'USD',
        provider: 'Tremendous',
        thankChannel: 'sms',
      }),
      200,
    );
    const businesses = [
      { owner: t.owner, finance, staff },
      { owner: otherOwner, finance: await keyAs('finance'), staff: await keyAs('staff') },
    ];
    const referrers = [];
    for (const business of businesses) {
      const referrer = await newParticipant(business.owner, { name: 'Sam Shared', phone, smsMarketingConsent: true });
      const referred = await newParticipant(business.owner);
      await newReferral(business.owner, referrer.id, referred.id);
      const [reward] = (await newConversion(business.owner, referred.id, { type: 'job_invoiced' })).rewards;
      json(await business.finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
      json(await business.staff.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
      await drain(dispatcher);
      expect(json(await business.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('thanked');
      referrers.push(referrer);
      t.clock.advance(3_600_000);
    }
    expect(textsTo(phone)).toHaveLength(2);
    const [first, latest] = referrers;
    const ratingsOf = (participantId: string) =>
      t.database.db.select().from(referrerRatings).where(eq(referrerRatings.participantId, participantId));

    // One reply rates the text the person got last (the second business's), and nothing of the first.
    expect((await inbound(phone, '2')).statusCode).toBe(200);
    expect(await ratingsOf(first.id)).toEqual([]);
    expect(await ratingsOf(latest.id)).toEqual([expect.objectContaining({ score: 2, via: 'sms_reply' })]);
    // A second digit changes that one rating; the first business still has none.
    expect((await inbound(phone, '5')).statusCode).toBe(200);
    expect(await ratingsOf(first.id)).toEqual([]);
    expect((await ratingsOf(latest.id)).map((rating) => rating.score)).toEqual([5]);
  });
});
