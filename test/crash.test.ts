import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, scratchPostgresUrl } from './support/db.js';
import {
  type FakeHttpProvider,
  RESEND_KEY,
  startFakeResend,
  startFakeTwilio,
  TWILIO_SID,
  TWILIO_TOKEN,
} from './support/fake-providers.js';
import { type RunningServer, startServer } from './support/process.js';

/**
 * kill -9 of the server after the provider accepted a message but before the outbox recorded
 * it: after a restart the message is sent again with the same idempotency key, and the provider
 * still delivers it once. Real processes, a real store, providers speaking their real formats.
 */
describe('a dispatcher killed between send and record', () => {
  let env: NodeJS.ProcessEnv;
  let cleanup: () => Promise<void>;
  let resend: FakeHttpProvider;
  let twilio: FakeHttpProvider;
  beforeAll(async () => {
    resend = await startFakeResend();
    twilio = await startFakeTwilio();
    // Twilio documents no idempotency key for sending: the dispatcher must find the earlier
    // send itself rather than rely on one.
    twilio.ignoreIdempotencyKey = true;
    const dir = mkdtempSync(join(tmpdir(), 'rewardloop-crash-'));
    const providers = {
      RESEND_API_KEY: RESEND_KEY,
      RESEND_API_URL: resend.url,
      EMAIL_FROM: 'rewards@acme.test',
      TWILIO_ACCOUNT_SID: TWILIO_SID,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      TWILIO_FROM: '+15005550006',
      TWILIO_API_URL: twilio.url,
      REWARDLOOP_DISPATCH_LEASE_SECONDS: '2',
      REWARDLOOP_DISPATCH_INTERVAL_MS: '100',
    };
    if (onPostgres) {
      const scratch = await scratchPostgresUrl();
      env = { ...providers, DATABASE_URL: scratch.url };
      cleanup = async () => {
        await scratch.drop();
        rmSync(dir, { recursive: true, force: true });
      };
    } else {
      env = { ...providers, DATABASE_URL: '', REWARDLOOP_DATA_DIR: join(dir, 'data') };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await resend.close();
    await twilio.close();
    await cleanup();
  });

  async function until<T>(
    what: string,
    probe: () => Promise<T | undefined> | T | undefined,
    timeoutMs = 30_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('delivers each message once, whatever the timing of the crash', async () => {
    let server: RunningServer = await startServer(env);
    const key = /\n {2}(rl_[A-Za-z0-9_-]{40,})\n/.exec(server.output())?.[1] ?? '';
    const call = async (method: string, path: string, body?: unknown, as = key) => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await response.json();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    try {
      await call('PUT', '/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 2500,
        currency: 'USD',
        thankChannel: 'email_and_sms',
      });
      const referrer = await call('POST', '/v1/participants', {
        name: 'Jessica Alvarez',
        email: 'jessica@example.com',
        phone: '+14155550142',
        emailMarketingConsent: true,
        smsMarketingConsent: true,
      });
      const customer = await call('POST', '/v1/participants', { name: 'Sam Lee' });
      await call('POST', '/v1/referrals', { referrerId: referrer.id, referredId: customer.id, source: 'manual' });
      const conversion = await call('POST', '/v1/conversions', {
        externalId: 'deal-1',
        type: 'deal_won',
        referredId: customer.id,
        amount: 1000,
        currency: 'USD',
      });
      const rewardId = conversion.rewards[0].id;
      // Finance is a person of her own (a key minted by the owner's key would be the owner).
      const fiona = await call('POST', '/v1/users', {
        email: 'fiona@example.com',
        name: 'Fiona',
        role: 'finance',
        password: 'correct horse battery',
      });
      const finance = (await call('POST', '/v1/api-keys', { name: 'Finance', role: 'finance', userId: fiona.id })).key;
      await call('POST', `/v1/rewards/${rewardId}/approve`, {}, finance);

      // The providers accept (and deliver) at once but answer slowly: the kill lands in between.
      resend.delayMs = 5000;
      twilio.delayMs = 5000;
      const sent = await call('POST', `/v1/rewards/${rewardId}/mark-sent`, {});
      const ids = sent.thankYou.map((m: { messageId: string }) => m.messageId);
      expect(ids).toHaveLength(2);
      await until(
        'both providers to accept',
        () => resend.deliveries.length === 1 && twilio.deliveries.length === 1,
      ).catch((error) => {
        throw new Error(
          `${error.message}; resend ${resend.requests}/${resend.deliveries.length}, twilio ${twilio.requests}/${twilio.deliveries.length}\n${server.output()}`,
        );
      });
      await server.stop('SIGKILL');

      resend.delayMs = 0;
      twilio.delayMs = 0;
      server = await startServer(env);
      const thanked = await until('the outbox to record both sends', async () => {
        const reward = await call('GET', `/v1/rewards/${rewardId}`);
        return reward.thankYou.every((m: { status: string }) => m.status === 'sent') ? reward : undefined;
      });
      expect(thanked.status).toBe('thanked');
      // The text was in flight when the server died (the email may or may not have been recorded
      // by then): it was sent again after the restart...
      const sms = thanked.thankYou.find((m: { channel: string }) => m.channel === 'sms');
      expect(sms.attempts).toBe(2);
      // The retry found the text Twilio already had (a list lookup), and sent nothing new.
      expect(twilio.requests).toBe(1);
      // ...and each provider delivered each message once, under its outbox id.
      const delivered = [...resend.deliveries, ...twilio.deliveries].map((d) => d.key).sort();
      expect(delivered).toEqual([...ids].sort());
    } finally {
      await server.stop();
    }
  });
});
