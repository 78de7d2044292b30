import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { messageAttempts, messages } from '../src/db/schema.js';
import { inTransaction } from '../src/db/transaction.js';
import { createDispatcher, type Dispatcher, retryDelayMs } from '../src/messaging/dispatcher.js';
import { queueReferrerMessages } from '../src/messaging/outbox.service.js';
import { providersFromConfig } from '../src/messaging/providers/index.js';
import { svixSignature, twilioSignature } from '../src/messaging/webhook-signatures.core.js';
import { findParticipant } from '../src/participants/participant.repo.js';
import { thankOnDelivery } from '../src/rewards/index.js';
import { getWorkspaceOrThrow } from '../src/workspaces/workspace.service.js';
import {
  type Api,
  json,
  newClaim,
  newParticipant,
  newReferral,
  PUBLIC_URL,
  startTestApp,
  type TestApp,
} from './support/app.js';
import {
  type FakeHttpProvider,
  RESEND_KEY,
  type SmtpInbox,
  startFakeResend,
  startFakeTwilio,
  startSmtpServer,
  TWILIO_SID,
  TWILIO_TOKEN,
} from './support/fake-providers.js';

const RESEND_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

/** The raw value of a header as it arrived (mailparser restructures List-* headers). */
function rawHeader(mail: { headerLines: readonly { key: string; line: string }[] } | undefined, name: string): string {
  const line = mail?.headerLines.find((h) => h.key === name.toLowerCase())?.line ?? '';
  return line.slice(line.indexOf(':') + 1).trim();
}

async function drain(dispatcher: Dispatcher) {
  while ((await dispatcher.runOnce()) > 0) {
    // keep going while there is due work
  }
}

/** A claim approved and ready to mark sent, for a referrer with the given contact details. */
async function approvedClaim(t: TestApp, finance: Api, referrer: Record<string, unknown>) {
  const { reward, referrer: person } = await newClaim(t.owner, { referrer });
  json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
  return { reward, referrer: person };
}

describe('thank-yous over SMTP and Twilio', () => {
  let t: TestApp;
  let finance: Api;
  let smtp: SmtpInbox;
  let twilio: FakeHttpProvider;
  let dispatcher: Dispatcher;
  beforeAll(async () => {
    t = await startTestApp({ webhookSecrets: { twilioAuthTokens: `old-token,${TWILIO_TOKEN}` } });
    finance = await t.as('finance');
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
          from: { address: 'rewards@acme-realty.test', name: undefined },
          resendApiKey: undefined,
          resendApiUrl: '',
          resendWebhookSecret: undefined,
        },
        sms: { accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: '+15005550006', apiUrl: twilio.url },
      }),
    });
    json(
      await t.owner.patch('/v1/workspace', { senderName: 'Jane Agent', companyName: 'Acme Realty', smsDailyCap: 1 }),
      200,
    );
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

  it('sends the thank-you by email and SMS from the business, and the reward becomes thanked', async () => {
    const { reward } = await approvedClaim(t, finance, {
      name: 'Jessica Alvarez',
      email: 'jessica@example.com',
      phone: '+14155550142',
      emailMarketingConsent: true,
      smsMarketingConsent: true,
    });
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, { reference: 'TREM-1' }), 200);
    await drain(dispatcher);

    const mail = smtp.mails.at(-1);
    expect(mail?.from?.value[0]).toMatchObject({
      name: 'Jane Agent, Acme Realty',
      address: 'rewards@acme-realty.test',
    });
    expect(mail?.to && 'value' in mail.to ? mail.to.value[0]?.address : undefined).toBe('jessica@example.com');
    expect(mail?.subject).toBe('Thank you, Jessica!');
    expect(mail?.text).toContain('Thank you for referring someone to Acme Realty');
    expect(mail?.text).toContain('Gift card, 50.00 USD via Tremendous');
    expect(mail?.html).toContain('<strong>Gift card, 50.00 USD via Tremendous</strong>');
    expect(rawHeader(mail, 'List-Unsubscribe')).toContain(`${PUBLIC_URL}/u/`);
    expect(rawHeader(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(mail?.messageId).toMatch(/^<msg_[0-9A-Z]{26}@rewardloop\.test>$/);

    const sms = twilio.deliveries.at(-1)?.body as Record<string, string>;
    expect(sms).toMatchObject({
      To: '+14155550142',
      From: '+15005550006',
      StatusCallback: `${PUBLIC_URL}/webhooks/twilio/status`,
    });
    // Her own page (link, QR code, rewards) is linked from the text too.
    expect(sms.Body).toMatch(
      /^Hi Jessica, thank you for your referral! Your reward \(Gift card, 50\.00 USD via Tremendous\) is on its way\. How did we do\? Reply 1-5\. Your page: http:\/\/rewardloop\.test\/p\/[0-9a-f]{32} – Jane Agent, Acme Realty\. Reply STOP to opt out\.$/,
    );

    const after = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(after.status).toBe('thanked');
    expect(after.thankedAt).not.toBeNull();
    expect(after.thankYou.map((m: { status: string }) => m.status)).toEqual(['sent', 'sent']);
    expect(after.history.map((e: { action: string }) => e.action)).toContain('reward.thanked');
  });

  it('sends on one channel and records the other as skipped, with the reason, per consent', async () => {
    const { reward } = await approvedClaim(t, finance, {
      email: 'emailonly@example.com',
      phone: '+14155550143',
      emailMarketingConsent: true,
    });
    const before = twilio.deliveries.length;
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    await drain(dispatcher);
    const after = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    const byChannel = Object.fromEntries(after.thankYou.map((m: { channel: string }) => [m.channel, m]));
    expect(byChannel.email.status).toBe('sent');
    expect(byChannel.sms).toMatchObject({ status: 'skipped', skipReason: 'no_consent' });
    expect(twilio.deliveries.length).toBe(before);
    expect(after.status).toBe('thanked');
  });

  it('checks consent again at send time: revoked in between means skipped, and the reward stays sent', async () => {
    const { reward, referrer } = await approvedClaim(t, finance, {
      email: 'changed.mind@example.com',
      emailMarketingConsent: true,
    });
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    json(await t.owner.patch(`/v1/participants/${referrer.id}`, { doNotContact: true }), 200);
    const mailsBefore = smtp.mails.length;
    await drain(dispatcher);
    expect(smtp.mails.length).toBe(mailsBefore);
    const after = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(after.status).toBe('sent');
    expect(after.thankYou[0]).toMatchObject({ status: 'skipped', skipReason: 'do_not_contact' });
  });

  it('sends nothing for a change that rolled back', async () => {
    const { reward, referrer } = await approvedClaim(t, finance, {
      email: 'rollback@example.com',
      emailMarketingConsent: true,
    });
    const workspace = await getWorkspaceOrThrow(t.database.db, t.workspaceId);
    const person = await findParticipant(t.database.db, t.workspaceId, referrer.id);
    await expect(
      inTransaction(t.database.db, async (tx) => {
        await queueReferrerMessages(tx, {
          kind: 'thank_you',
          workspace,
          rewardId: reward.id,
          rewardSummary: 'x',
          referrer: person!,
          thankChannel: 'email',
          publicUrl: PUBLIC_URL,
          actor: { type: 'system', id: 'test', name: 'Test', role: 'system', workspaceId: t.workspaceId },
          at: t.clock.now(),
        });
        throw new Error('the marking failed after the thank-you was queued');
      }),
    ).rejects.toThrow('the marking failed');
    const mailsBefore = smtp.mails.length;
    await drain(dispatcher);
    expect(
      smtp.mails.filter((m) => m.to && 'value' in m.to && m.to.value[0]?.address === 'rollback@example.com'),
    ).toHaveLength(0);
    expect(smtp.mails.length).toBe(mailsBefore);
    const rows = await t.database.db.select().from(messages).where(eq(messages.rewardId, reward.id));
    expect(rows).toEqual([]);
  });

  it('holds texts to one recipient to the daily cap', async () => {
    const phone = '+14155550177';
    const first = await approvedClaim(t, finance, { phone, smsMarketingConsent: true });
    json(await t.owner.post(`/v1/rewards/${first.reward.id}/mark-sent`, {}), 200);
    await drain(dispatcher);
    // The same person refers again the same day: a second text would exceed the cap of 1.
    const second = await newParticipant(t.owner);
    await newReferral(t.owner, first.referrer.id, second.id);
    const claim = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'cap-sms',
        type: 'deal_won',
        referredId: second.id,
        amount: 1,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    json(await finance.post(`/v1/rewards/${claim.id}/approve`, {}), 200);
    json(await t.owner.post(`/v1/rewards/${claim.id}/mark-sent`, {}), 200);
    await drain(dispatcher);
    const after = json(await t.owner.get(`/v1/rewards/${claim.id}`), 200);
    expect(after.thankYou.find((m: { channel: string }) => m.channel === 'sms')).toMatchObject({
      status: 'skipped',
      skipReason: 'daily_cap',
    });
  });

  it('gives up at once on a permanent SMTP refusal, and retries a temporary one later', async () => {
    smtp.reject.set('gone@example.com', 550);
    smtp.reject.set('busy@example.com', 451);
    const gone = await approvedClaim(t, finance, { email: 'gone@example.com', emailMarketingConsent: true });
    const busy = await approvedClaim(t, finance, { email: 'busy@example.com', emailMarketingConsent: true });
    json(await t.owner.post(`/v1/rewards/${gone.reward.id}/mark-sent`, {}), 200);
    json(await t.owner.post(`/v1/rewards/${busy.reward.id}/mark-sent`, {}), 200);
    await drain(dispatcher);
    expect(json(await t.owner.get(`/v1/rewards/${gone.reward.id}`), 200).thankYou[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
    });
    const waiting = json(await t.owner.get(`/v1/rewards/${busy.reward.id}`), 200).thankYou[0];
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1 });
    expect(waiting.lastError).toContain('Try again later');
    smtp.reject.delete('busy@example.com');
    t.clock.advance(retryDelayMs(1, () => 1) + 1000);
    await drain(dispatcher);
    expect(json(await t.owner.get(`/v1/rewards/${busy.reward.id}`), 200).thankYou[0]).toMatchObject({
      status: 'sent',
      attempts: 2,
    });
  });

  it('marks texts delivered from Twilio’s signed status report, and refuses a forged one', async () => {
    const { reward } = await approvedClaim(t, finance, { phone: '+14155550188', smsMarketingConsent: true });
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    await drain(dispatcher);
    const sid = twilio.deliveries.at(-1)?.id ?? '';
    const fields = { MessageSid: sid, MessageStatus: 'delivered', AccountSid: TWILIO_SID };
    const post = (signature: string) =>
      t.app.inject({
        method: 'POST',
        url: '/webhooks/twilio/status',
        payload: new URLSearchParams(fields).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      });
    expect((await post('forged')).statusCode).toBe(403);
    expect((await post(twilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}/webhooks/twilio/status`, fields))).statusCode).toBe(
      204,
    );
    const sms = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).thankYou.find(
      (m: { channel: string }) => m.channel === 'sms',
    );
    expect(sms).toMatchObject({ status: 'delivered' });
    // A token being rotated out still verifies during the change-over.
    const old = { ...fields, MessageStatus: 'delivered' };
    expect((await post(twilioSignature('old-token', `${PUBLIC_URL}/webhooks/twilio/status`, old))).statusCode).toBe(
      204,
    );
  });

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

  it.each(['STOP', 'stop', ' Opt Out ', 'UNSUBSCRIBE', 'cancel', 'Quit', 'end', 'revoke', 'StopAll'])(
    'revokes SMS consent on an inbound “%s”',
    async (word) => {
      const person = await newParticipant(t.owner, { phone: '+14155550199', smsMarketingConsent: true });
      const response = await inbound('+14155550199', word);
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('<Response>');
      expect(json(await t.owner.get(`/v1/participants/${person.id}`), 200).smsMarketingConsent).toBe(false);
    },
  );

  it.each(['START', 'unstop'])('restores SMS consent on “%s” after a STOP, and only then', async (word) => {
    const phone = word === 'START' ? '+14155550201' : '+14155550202';
    const person = await newParticipant(t.owner, { phone, smsMarketingConsent: true });
    await inbound(phone, 'STOP');
    expect(json(await t.owner.get(`/v1/participants/${person.id}`), 200).smsMarketingConsent).toBe(false);
    await inbound(phone, word);
    expect(json(await t.owner.get(`/v1/participants/${person.id}`), 200).smsMarketingConsent).toBe(true);
    // Someone who never agreed does not become opted in by texting START (or "yes").
    const never = await newParticipant(t.owner, { phone: '+14155550203', smsMarketingConsent: false });
    await inbound('+14155550203', word);
    await inbound('+14155550203', 'yes');
    expect(json(await t.owner.get(`/v1/participants/${never.id}`), 200).smsMarketingConsent).toBe(false);
  });

  it('leaves consent alone for an ordinary reply', async () => {
    const person = await newParticipant(t.owner, { phone: '+14155550111', smsMarketingConsent: true });
    const fields = { From: '+14155550111', Body: 'Thanks, please stop by on Monday' };
    await t.app.inject({
      method: 'POST',
      url: '/webhooks/twilio/sms',
      payload: new URLSearchParams(fields).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, fields),
      },
    });
    expect(json(await t.owner.get(`/v1/participants/${person.id}`), 200).smsMarketingConsent).toBe(true);
  });

  it('revokes email consent from the unsubscribe link in the email', async () => {
    const { reward, referrer } = await approvedClaim(t, finance, {
      email: 'unsub@example.com',
      emailMarketingConsent: true,
    });
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    await drain(dispatcher);
    const link = rawHeader(smtp.mails.at(-1), 'List-Unsubscribe').replace(/[<>]/g, '');
    const path = new URL(link).pathname;
    const page = await t.app.inject({ method: 'GET', url: path });
    expect(page.body).toContain('unsub@example.com');
    const done = await t.app.inject({
      method: 'POST',
      url: path,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(done.body).toContain('You’re unsubscribed');
    expect(json(await t.owner.get(`/v1/participants/${referrer.id}`), 200).emailMarketingConsent).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: `${path}x` })).statusCode).toBe(404);
    const history = json(await t.owner.get(`/v1/participants/${referrer.id}/messages`), 200).items;
    expect(history.find((m: { channel: string }) => m.channel === 'email')).toMatchObject({
      kind: 'thank_you',
      status: 'sent',
      subject: expect.stringContaining('Thank you'),
    });
    // No phone number on file: the SMS half of the thank-you is on record as skipped, and why.
    expect(history.find((m: { channel: string }) => m.channel === 'sms')).toMatchObject({
      status: 'skipped',
      skipReason: 'no_address',
    });
  });

  it('tells staff a reward is ready to send, and lets staff thank by hand', async () => {
    json(await t.owner.patch('/v1/workspace', { notifyEmails: ['office@acme-realty.test'] }), 200);
    const { reward } = await approvedClaim(t, finance, { name: 'Rita Ready' });
    await drain(dispatcher);
    const notice = smtp.mails.at(-1);
    expect(notice?.subject).toBe('Referral reward ready to send: Rita Ready');
    expect(notice?.text).toContain(`${PUBLIC_URL}/rewards/${reward.id}`);
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    const marked = json(
      await t.owner.post(`/v1/rewards/${reward.id}/thank-you`, { action: 'mark', note: 'Thanked her in person' }),
      200,
    );
    expect(marked.status).toBe('thanked');
    json(await t.owner.patch('/v1/workspace', { notifyEmails: [] }), 200);
  });
});

describe('email through Resend', () => {
  let t: TestApp;
  let finance: Api;
  let resend: FakeHttpProvider;
  let dispatcher: Dispatcher;
  beforeAll(async () => {
    t = await startTestApp({ webhookSecrets: { resendWebhookSecrets: RESEND_SECRET } });
    finance = await t.as('finance');
    resend = await startFakeResend();
    dispatcher = createDispatcher({
      onThankYouAccepted: thankOnDelivery,
      db: t.database.db,
      clock: t.clock,
      publicUrl: PUBLIC_URL,
      maxAttempts: 3,
      providers: providersFromConfig({
        publicUrl: PUBLIC_URL,
        email: {
          smtpUrl: undefined,
          from: { address: 'rewards@acme.test', name: undefined },
          resendApiKey: RESEND_KEY,
          resendApiUrl: resend.url,
          resendWebhookSecret: undefined,
        },
        sms: { accountSid: undefined, authToken: undefined, from: undefined, apiUrl: '' },
      }),
    });
  });
  beforeEach(async () => {
    resend.failNext = [];
    json(await t.owner.patch('/v1/workspace', { senderName: 'Jane "JJ" Agent', companyName: 'Acme, Inc.' }), 200);
  });
  afterAll(async () => {
    await resend.close();
    await t.close();
  });

  it('passes the outbox id as the idempotency key, retries with backoff, and records each attempt', async () => {
    const { reward } = await approvedClaim(t, finance, { email: 'retry@example.com', emailMarketingConsent: true });
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    resend.failNext = [503, 500];
    await drain(dispatcher);
    let message = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).thankYou[0];
    expect(message).toMatchObject({ status: 'queued', attempts: 1 });
    t.clock.advance(retryDelayMs(1, () => 1) + 1);
    await drain(dispatcher);
    t.clock.advance(retryDelayMs(2, () => 1) + 1);
    await drain(dispatcher);
    message = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).thankYou[0];
    expect(message).toMatchObject({ status: 'sent', attempts: 3 });
    const delivery = resend.deliveries.find((d) => d.key === message.messageId);
    // A display name with a comma or quotes is quoted and escaped, or the address would not parse.
    expect((delivery!.body as { from: string }).from).toBe('"Jane \\"JJ\\" Agent, Acme, Inc." <rewards@acme.test>');
    expect(delivery?.body).toMatchObject({ to: ['retry@example.com'], subject: expect.stringContaining('Thank you') });
    const attempts = await t.database.db
      .select()
      .from(messageAttempts)
      .where(and(eq(messageAttempts.workspaceId, t.workspaceId), eq(messageAttempts.messageId, message.messageId)));
    expect(attempts.map((a) => a.outcome).sort()).toEqual(['accepted', 'temporary_failure', 'temporary_failure']);
  });

  it('gives up after the last attempt, and at once on a permanent error', async () => {
    const flaky = await approvedClaim(t, finance, { email: 'flaky@example.com', emailMarketingConsent: true });
    json(await t.owner.post(`/v1/rewards/${flaky.reward.id}/mark-sent`, {}), 200);
    resend.failNext = [500, 500, 500];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await drain(dispatcher);
      t.clock.advance(retryDelayMs(attempt, () => 1) + 1);
    }
    expect(json(await t.owner.get(`/v1/rewards/${flaky.reward.id}`), 200).thankYou[0]).toMatchObject({
      status: 'failed',
      attempts: 3,
    });

    resend.failFor.set('invalid@example.com', [422]);
    const invalid = await approvedClaim(t, finance, { email: 'invalid@example.com', emailMarketingConsent: true });
    json(await t.owner.post(`/v1/rewards/${invalid.reward.id}/mark-sent`, {}), 200);
    await drain(dispatcher);
    const failed = json(await t.owner.get(`/v1/rewards/${invalid.reward.id}`), 200);
    expect(failed.thankYou[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.status).toBe('sent');
  });

  it('accepts Resend’s signed events and refuses stale or forged ones', async () => {
    const { reward, referrer } = await approvedClaim(t, finance, {
      email: 'events@example.com',
      emailMarketingConsent: true,
    });
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    await drain(dispatcher);
    const emailId = resend.deliveries.at(-1)?.id ?? '';
    const send = (type: string, { secret = RESEND_SECRET, at = t.clock.now() } = {}) => {
      const body = JSON.stringify({ type, created_at: at.toISOString(), data: { email_id: emailId } });
      const id = `msg_${Math.random().toString(36).slice(2)}`;
      const timestamp = String(Math.floor(at.getTime() / 1000));
      return t.app.inject({
        method: 'POST',
        url: '/webhooks/resend',
        payload: body,
        headers: {
          'content-type': 'application/json',
          'svix-id': id,
          'svix-timestamp': timestamp,
          'svix-signature': svixSignature(secret, id, timestamp, body),
        },
      });
    };
    expect((await send('email.delivered', { secret: `whsec_${randomBytes(24).toString('base64')}` })).statusCode).toBe(
      403,
    );
    expect((await send('email.delivered', { at: new Date(t.clock.now().getTime() - 6 * 60_000) })).statusCode).toBe(
      403,
    );
    expect((await send('email.delivered')).statusCode).toBe(204);
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).thankYou[0].status).toBe('delivered');
    expect((await send('email.complained')).statusCode).toBe(204);
    expect(json(await t.owner.get(`/v1/participants/${referrer.id}`), 200).emailMarketingConsent).toBe(false);
  });
  it('answers a replayed Resend event 200 without applying it again, in any process', async () => {
    const { reward, referrer } = await approvedClaim(t, finance, {
      email: 'replayed@example.com',
      emailMarketingConsent: true,
    });
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    await drain(dispatcher);
    const emailId = resend.deliveries.at(-1)?.id ?? '';
    const body = JSON.stringify({ type: 'email.complained', data: { email_id: emailId } });
    const id = `msg_${randomBytes(6).toString('hex')}`;
    const timestamp = String(Math.floor(t.clock.now().getTime() / 1000));
    const request = {
      method: 'POST' as const,
      url: '/webhooks/resend',
      payload: body,
      headers: {
        'content-type': 'application/json',
        'svix-id': id,
        'svix-timestamp': timestamp,
        'svix-signature': svixSignature(RESEND_SECRET, id, timestamp, body),
      },
    };
    expect((await t.app.inject(request)).statusCode).toBe(204);
    expect(json(await t.owner.get(`/v1/participants/${referrer.id}`), 200).emailMarketingConsent).toBe(false);
    // The referrer asks to hear from the business again; staff record it.
    json(await t.owner.patch(`/v1/participants/${referrer.id}`, { emailMarketingConsent: true }), 200);

    // Someone who captured the signed request sends it again a minute later: nothing changes.
    t.clock.advance(60_000);
    const replay = await t.app.inject(request);
    expect(replay.statusCode).toBe(200);
    expect(JSON.parse(replay.body)).toMatchObject({ duplicate: true });
    expect(json(await t.owner.get(`/v1/participants/${referrer.id}`), 200).emailMarketingConsent).toBe(true);

    // Nor in another process on the same database (or after a restart).
    const other = await buildApp({
      database: t.database,
      clock: t.clock,
      publicUrl: PUBLIC_URL,
      logLevel: 'silent',
      webhookSecrets: { twilioAuthTokens: undefined, resendWebhookSecrets: RESEND_SECRET },
    });
    try {
      expect((await other.inject(request)).statusCode).toBe(200);
    } finally {
      await other.close();
    }
    expect(json(await t.owner.get(`/v1/participants/${referrer.id}`), 200).emailMarketingConsent).toBe(true);
  });
});

describe('templates', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('refuses unknown variables and texts too long to send, naming the field', async () => {
    const unknown = json(
      await t.owner.put('/v1/message-templates/thank_you/email', {
        subject: 'Hi {{firstName}}',
        bodyText: 'Thanks {{referrerFirstName}}',
      }),
      400,
    );
    expect(unknown).toMatchObject({ field: 'subject', code: 'validation_failed' });
    expect(unknown.detail).toContain('{{firstName}}');
    const long = json(
      await t.owner.put('/v1/message-templates/thank_you/sms', { bodyText: `{{referrerName}} ${'x'.repeat(300)}` }),
      400,
    );
    expect(long).toMatchObject({ field: 'bodyText' });
    const saved = json(
      await t.owner.put('/v1/message-templates/thank_you/email', {
        subject: '{{referrerFirstName}}, you’re a star',
        bodyText: 'From all of us at {{businessName}}: thank you!',
      }),
      200,
    );
    expect(
      saved.items.find((i: { kind: string; channel: string }) => i.kind === 'thank_you' && i.channel === 'email'),
    ).toMatchObject({ custom: true });
    const reset = json(
      await t.app.inject({
        method: 'DELETE',
        url: '/v1/message-templates/thank_you/email',
        headers: { authorization: `Bearer ${t.owner.key}` },
      }),
      200,
    );
    expect(
      reset.items.find((i: { kind: string; channel: string }) => i.kind === 'thank_you' && i.channel === 'email')
        .custom,
    ).toBe(false);
  });
});
