import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../src/db/schema.js';
import { createDispatcher, type Dispatcher } from '../src/messaging/dispatcher.js';
import { providersFromConfig } from '../src/messaging/index.js';
import { thankOnDelivery } from '../src/rewards/index.js';
import { json, newClaim, newParticipant, PUBLIC_URL, startTestApp, type TestApp } from './support/app.js';
import { type FakeHttpProvider, startFakeTwilio, TWILIO_SID, TWILIO_TOKEN } from './support/fake-providers.js';

async function drain(dispatcher: Dispatcher) {
  while ((await dispatcher.runOnce()) > 0) {
    // keep going while there is due work
  }
}

let phoneCounter = 100;
const consenting = (overrides: Record<string, unknown> = {}) => ({
  name: 'Maria Lopez',
  phone: `+1415555${String(++phoneCounter).padStart(4, '0')}`,
  smsMarketingConsent: true,
  ...overrides,
});

describe('jobs and the invitations a satisfied customer gets', () => {
  let t: TestApp;
  let twilio: FakeHttpProvider;
  let dispatcher: Dispatcher;
  const textsTo = (phone: string) => twilio.deliveries.filter((d) => d.body.To === phone);

  beforeAll(async () => {
    t = await startTestApp();
    twilio = await startFakeTwilio();
    dispatcher = createDispatcher({
      onThankYouAccepted: thankOnDelivery,
      db: t.database.db,
      clock: t.clock,
      publicUrl: PUBLIC_URL,
      providers: providersFromConfig({
        publicUrl: PUBLIC_URL,
        email: {
          smtpUrl: undefined,
          from: undefined,
          resendApiKey: undefined,
          resendApiUrl: '',
          resendWebhookSecret: undefined,
        },
        sms: { accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: '+15005550006', apiUrl: twilio.url },
      } as never),
    });
    json(await t.owner.patch('/v1/workspace', { companyName: 'Bright Roofing' }), 200);
  });
  afterAll(async () => {
    await twilio.close();
    await t.close();
  });

  it('texts a customer who scored the job 5 their link and their page; a 3 invites nobody', async () => {
    const happy = await newParticipant(t.owner, consenting());
    const unhappy = await newParticipant(t.owner, consenting({ name: 'Tom Grey' }));
    const five = json(
      await t.owner.post('/v1/jobs', { externalId: 'job-5', customerId: happy.id, satisfactionScore: 5 }),
      201,
    );
    expect(five.invitation).toMatchObject({ decision: 'invited', messages: [{ channel: 'sms', status: 'queued' }] });
    const three = json(
      await t.owner.post('/v1/jobs', { externalId: 'job-3', customerId: unhappy.id, satisfactionScore: 3 }),
      201,
    );
    expect(three.invitation).toMatchObject({ decision: 'below_threshold', invitationId: null, messages: [] });
    await drain(dispatcher);
    const [text] = textsTo(happy.phone);
    expect(String(text?.body.Body)).toContain(`${PUBLIC_URL}/r/`);
    expect(String(text?.body.Body)).toContain(happy.referralCode);
    expect(String(text?.body.Body)).toMatch(new RegExp(`${PUBLIC_URL}/p/[0-9a-f]{32}`));
    expect(textsTo(unhappy.phone)).toEqual([]);
  });

  it('is idempotent by externalId, and a later post adds the score (which then invites)', async () => {
    const customer = await newParticipant(t.owner, consenting({ externalId: 'crm-77' }));
    const first = json(await t.owner.post('/v1/jobs', { externalId: 'job-later', customerExternalId: 'crm-77' }), 201);
    expect(first.invitation.decision).toBe('no_score');
    const replay = json(await t.owner.post('/v1/jobs', { externalId: 'job-later', customerExternalId: 'crm-77' }), 200);
    expect(replay.id).toBe(first.id);
    const scored = json(
      await t.owner.post('/v1/jobs', { externalId: 'job-later', customerId: customer.id, satisfactionScore: 4 }),
      200,
    );
    expect(scored).toMatchObject({ id: first.id, satisfactionScore: 4, invitation: { decision: 'invited' } });
    // The same score again changes nothing; another score is refused, naming the field.
    expect(
      json(
        await t.owner.post('/v1/jobs', { externalId: 'job-later', customerId: customer.id, satisfactionScore: 4 }),
        200,
      ).invitation.invitationId,
    ).toBe(scored.invitation.invitationId);
    const changed = json(
      await t.owner.post('/v1/jobs', { externalId: 'job-later', customerId: customer.id, satisfactionScore: 2 }),
      409,
    );
    expect(changed.field).toBe('satisfactionScore');
  });

  it('invites a customer at most once per cooldown', async () => {
    const customer = await newParticipant(t.owner, consenting());
    json(await t.owner.post('/v1/jobs', { externalId: 'cool-1', customerId: customer.id, satisfactionScore: 5 }), 201);
    const second = json(
      await t.owner.post('/v1/jobs', { externalId: 'cool-2', customerId: customer.id, satisfactionScore: 5 }),
      201,
    );
    expect(second.invitation.decision).toBe('cooldown');
  });

  it('invites once when two satisfied jobs of one customer arrive at the same moment', async () => {
    const customer = await newParticipant(t.owner, consenting());
    const answers = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        t.owner.post('/v1/jobs', { externalId: `race-${n}`, customerId: customer.id, satisfactionScore: 5 }),
      ),
    );
    const decisions = answers.map((response) => json(response, 201).invitation.decision).sort();
    expect(decisions).toEqual(['cooldown', 'cooldown', 'cooldown', 'invited']);
  });

  it('records a skip with its reason when there is no consent, and checks do-not-contact again at send time', async () => {
    const noConsent = await newParticipant(t.owner, consenting({ smsMarketingConsent: false }));
    const job = json(
      await t.owner.post('/v1/jobs', { externalId: 'nc-1', customerId: noConsent.id, satisfactionScore: 5 }),
      201,
    );
    expect(job.invitation.messages).toEqual([{ channel: 'sms', status: 'skipped', skipReason: 'no_consent' }]);

    const later = await newParticipant(t.owner, consenting());
    json(await t.owner.post('/v1/jobs', { externalId: 'dnc-1', customerId: later.id, satisfactionScore: 5 }), 201);
    json(await t.owner.patch(`/v1/participants/${later.id}`, { doNotContact: true }), 200);
    await drain(dispatcher);
    expect(textsTo(later.phone)).toEqual([]);
    const [row] = await t.database.db
      .select()
      .from(messages)
      .where(and(eq(messages.participantId, later.id), eq(messages.kind, 'invitation')));
    expect(row).toMatchObject({ status: 'skipped', skipReason: 'do_not_contact' });
  });

  it('holds an invitation queued outside the send window until it opens', async () => {
    // The test clock is 15:00Z = 09:00 in Chicago (CST) on 2 March; a 10:00-20:00 window opens in an hour.
    json(
      await t.owner.patch('/v1/workspace', {
        timeZone: 'America/Chicago',
        sendWindow: { start: '10:00', end: '20:00' },
      }),
      200,
    );
    const customer = await newParticipant(t.owner, consenting());
    const job = json(
      await t.owner.post('/v1/jobs', { externalId: 'window-1', customerId: customer.id, satisfactionScore: 5 }),
      201,
    );
    expect(job.invitation.sendAfter).toBe(new Date(t.clock.now().getTime() + 3_600_000).toISOString());
    await drain(dispatcher);
    expect(textsTo(customer.phone)).toEqual([]);
    t.clock.advance(3_600_000);
    await drain(dispatcher);
    expect(textsTo(customer.phone)).toHaveLength(1);
    json(await t.owner.patch('/v1/workspace', { sendWindow: null }), 200);
  });

  it('holds a thank-you marked sent outside the send window until it opens', async () => {
    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 2500,
        currency: 'USD',
        thankChannel: 'sms',
      }),
      200,
    );
    // The test clock is in the morning in Chicago (CST): a 22:00-23:00 window opens tonight.
    json(
      await t.owner.patch('/v1/workspace', {
        timeZone: 'America/Chicago',
        sendWindow: { start: '22:00', end: '23:00' },
      }),
      200,
    );
    const finance = await t.as('finance');
    const staff = await t.as('staff');
    const { reward, referrer } = await newClaim(t.owner, { referrer: consenting({ name: 'Tess Thanks' }) });
    json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    json(await staff.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    await drain(dispatcher);
    expect(textsTo(referrer.phone)).toEqual([]);
    const [queued] = await t.database.db
      .select()
      .from(messages)
      .where(and(eq(messages.rewardId, reward.id), eq(messages.kind, 'thank_you')));
    const opens = queued?.nextAttemptAt ?? new Date(0);
    // 22:00 CST is 04:00Z the next day.
    expect(opens.toISOString()).toMatch(/T04:00:00\.000Z$/);
    t.clock.advance(opens.getTime() - t.clock.now().getTime() - 60_000);
    await drain(dispatcher);
    expect(textsTo(referrer.phone)).toEqual([]);
    t.clock.advance(60_000);
    await drain(dispatcher);
    expect(textsTo(referrer.phone)).toHaveLength(1);
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('thanked');
    json(await t.owner.patch('/v1/workspace', { sendWindow: null }), 200);
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const customer = await newParticipant(t.owner, consenting());
    for (const [body, field] of [
      [{ externalId: 'bad-1', customerId: customer.id, satisfactionScore: 6 }, 'satisfactionScore'],
      [{ externalId: 'bad-2', customerId: customer.id, satisfactionScore: 4.5 }, 'satisfactionScore'],
      [{ externalId: 'bad-3' }, 'customerId'],
      [{ externalId: 'bad-4', customerId: 'par_nobody' }, 'customerId'],
    ] as const) {
      const response = await t.owner.post('/v1/jobs', body);
      expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      const problem = JSON.parse(response.body);
      expect(problem.field ?? problem.errors?.[0]?.field).toBe(field);
    }
    const viewer = await t.as('viewer');
    expect((await viewer.post('/v1/jobs', { externalId: 'v', customerId: customer.id })).statusCode).toBe(403);
  });
});
