import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createDispatcher, type Dispatcher } from '../src/messaging/dispatcher.js';
import { outboxHealth } from '../src/messaging/outbox-status.repo.js';
import { providersFromConfig } from '../src/messaging/providers/index.js';
import { thankOnDelivery } from '../src/rewards/index.js';
import { type Api, json, newClaim, PUBLIC_URL, startTestApp, type TestApp } from './support/app.js';
import {
  type FakeHttpProvider,
  RESEND_KEY,
  type SmtpInbox,
  startFakeResend,
  startSmtpServer,
} from './support/fake-providers.js';

/**
 * EMAIL_FROM as operators write it, and what happens to email when the provider refuses our
 * configuration rather than the recipient (issue 8, defect 6).
 */

async function drain(dispatcher: Dispatcher) {
  while ((await dispatcher.runOnce()) > 0) {
    // keep going while there is due work
  }
}

/** A dispatcher as `rewardloop serve` makes one from its environment. */
function dispatcherFor(t: TestApp, env: NodeJS.ProcessEnv) {
  const config = loadConfig({ PUBLIC_URL, ...env });
  return createDispatcher({
    onThankYouAccepted: thankOnDelivery,
    db: t.database.db,
    clock: t.clock,
    publicUrl: PUBLIC_URL,
    providers: providersFromConfig(config),
  });
}

async function thankYouQueued(t: TestApp, finance: Api, email: string) {
  const { reward } = await newClaim(t.owner, { referrer: { email, emailMarketingConsent: true } });
  json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
  json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
  return reward.id as string;
}

async function thankYouOf(t: TestApp, rewardId: string) {
  const reward = json(await t.owner.get(`/v1/rewards/${rewardId}`), 200);
  return { rewardStatus: reward.status as string, message: reward.thankYou[0] };
}

describe('EMAIL_FROM at start-up', () => {
  it('refuses a value that is not one address, naming EMAIL_FROM', () => {
    for (const value of [
      'not an address',
      'a@example.com, b@example.com',
      'Rewards <not-an-address>',
      'Team: a@b.test;',
    ]) {
      expect(() => loadConfig({ EMAIL_FROM: value }), value).toThrow(/EMAIL_FROM: .*(address|group)/);
    }
  });

  it('accepts a bare address and "Name <address>"', () => {
    expect(loadConfig({ EMAIL_FROM: 'rewards@acme.test' }).email.from).toEqual({
      address: 'rewards@acme.test',
      name: undefined,
    });
    expect(loadConfig({ EMAIL_FROM: '"Acme, Inc. Rewards" <rewards@acme.test>' }).email.from).toEqual({
      address: 'rewards@acme.test',
      name: 'Acme, Inc. Rewards',
    });
  });
});

describe('email over SMTP with EMAIL_FROM="Name <address>"', () => {
  let t: TestApp;
  let finance: Api;
  let smtp: SmtpInbox;
  beforeAll(async () => {
    t = await startTestApp({ health: async () => ({ outbox: await outboxHealth(t.database.db) }) });
    finance = await t.as('finance');
    smtp = await startSmtpServer();
    // Like a relay that only sends for its own domain's address.
    smtp.allowedSenders.add('rewards@acme.test');
    json(await t.owner.patch('/v1/workspace', { senderName: 'Jane Agent', companyName: 'Acme Realty' }), 200);
  });
  afterAll(async () => {
    await smtp.close();
    await t.close();
  });

  it('sends from the address, named after the workspace’s sender', async () => {
    const dispatcher = dispatcherFor(t, { SMTP_URL: smtp.url, EMAIL_FROM: 'Rewards Team <rewards@acme.test>' });
    const rewardId = await thankYouQueued(t, finance, 'jessica@example.com');
    await drain(dispatcher);
    expect(await thankYouOf(t, rewardId)).toMatchObject({ rewardStatus: 'thanked', message: { status: 'sent' } });
    expect(smtp.envelopeSenders.at(-1)).toBe('rewards@acme.test');
    expect(smtp.mails.at(-1)?.from?.value).toEqual([{ name: 'Jane Agent, Acme Realty', address: 'rewards@acme.test' }]);
  });

  it('holds an email the server refuses for our sender, shows it, and delivers it after a restart with the sender fixed', async () => {
    const misconfigured = dispatcherFor(t, { SMTP_URL: smtp.url, EMAIL_FROM: 'Rewards <rewards@wrong-domain.test>' });
    const rewardId = await thankYouQueued(t, finance, 'held@example.com');
    const before = smtp.mails.length;
    await drain(misconfigured);

    // Not failed: held, with the server's answer, and the reward is still waiting to be thanked.
    const held = await thankYouOf(t, rewardId);
    expect(held).toMatchObject({ rewardStatus: 'sent', message: { status: 'held' } });
    expect(held.message.lastError).toContain('553');
    const outbox = json(await t.owner.get('/v1/messaging/outbox'), 200);
    expect(outbox.email).toMatchObject({ held: 1, heldBecause: expect.stringContaining('Sender address rejected') });
    const health = json(await t.app.inject({ method: 'GET', url: '/healthz' }), 200);
    expect(health.outbox).toMatchObject({ emailHeld: 1, emailHeldBecause: expect.stringContaining('553') });
    // Another workspace sees nothing of it.
    const other = await t.otherWorkspace();
    expect(json(await other.get('/v1/messaging/outbox'), 200).email.held).toBe(0);

    // The same (misconfigured) process does not burn the message's attempts on it.
    t.clock.advance(7 * 86_400_000);
    await drain(misconfigured);
    expect((await thankYouOf(t, rewardId)).message.status).toBe('held');
    expect(smtp.mails.length).toBe(before);

    // A restart with the configuration fixed sends it.
    const fixed = dispatcherFor(t, { SMTP_URL: smtp.url, EMAIL_FROM: 'Rewards <rewards@acme.test>' });
    expect(await fixed.releaseHeld()).toBe(1);
    await drain(fixed);
    expect(await thankYouOf(t, rewardId)).toMatchObject({ rewardStatus: 'thanked', message: { status: 'sent' } });
    expect(smtp.mails.length).toBe(before + 1);
    expect(JSON.stringify(smtp.mails.at(-1)?.to)).toContain('held@example.com');
    expect(json(await t.app.inject({ method: 'GET', url: '/healthz' }), 200).outbox.emailHeld).toBe(0);
  });

  it('still fails an email at once when the server refuses the recipient', async () => {
    const dispatcher = dispatcherFor(t, { SMTP_URL: smtp.url, EMAIL_FROM: 'rewards@acme.test' });
    smtp.reject.set('nobody@example.com', 550);
    const rewardId = await thankYouQueued(t, finance, 'nobody@example.com');
    await drain(dispatcher);
    expect((await thankYouOf(t, rewardId)).message.status).toBe('failed');
  });
});

describe('email through Resend with EMAIL_FROM="Name <address>"', () => {
  let t: TestApp;
  let finance: Api;
  let resend: FakeHttpProvider;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance');
    resend = await startFakeResend();
  });
  beforeEach(async () => {
    json(await t.owner.patch('/v1/workspace', { senderName: 'Jane Agent', companyName: 'Acme Realty' }), 200);
  });
  afterAll(async () => {
    await resend.close();
    await t.close();
  });

  const env = (key: string) => ({
    RESEND_API_KEY: key,
    RESEND_API_URL: resend.url,
    EMAIL_FROM: 'Rewards Team <rewards@acme.test>',
  });

  it('sends one from address, not a nested one', async () => {
    const rewardId = await thankYouQueued(t, finance, 'resend@example.com');
    await drain(dispatcherFor(t, env(RESEND_KEY)));
    const { message } = await thankYouOf(t, rewardId);
    expect(message.status).toBe('sent');
    const delivery = resend.deliveries.find((d) => d.key === message.messageId);
    expect((delivery?.body as { from?: string } | undefined)?.from).toBe(
      '"Jane Agent, Acme Realty" <rewards@acme.test>',
    );
  });

  it('holds email while Resend refuses our API key, and sends it once the key is fixed', async () => {
    const rewardId = await thankYouQueued(t, finance, 'wrong-key@example.com');
    await drain(dispatcherFor(t, env('re_revoked_key')));
    const held = await thankYouOf(t, rewardId);
    expect(held.message).toMatchObject({ status: 'held', lastError: expect.stringContaining('401') });

    const fixed = dispatcherFor(t, env(RESEND_KEY));
    await fixed.releaseHeld();
    await drain(fixed);
    expect(await thankYouOf(t, rewardId)).toMatchObject({ rewardStatus: 'thanked', message: { status: 'sent' } });
  });
});
