import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { svixSignature, twilioSignature } from '../src/messaging/webhook-signatures.core.js';
import { onPostgres, scratchPostgresUrl } from './support/db.js';
import {
  type FakeHttpProvider,
  RESEND_KEY,
  startFakeResend,
  startFakeTwilio,
  TWILIO_SID,
  TWILIO_TOKEN,
} from './support/fake-providers.js';
import { runCli, startServer } from './support/process.js';

/**
 * A whole session against a real server at the most talkative log level, its stdout and stderr
 * captured: keys created and used, people signing in (and failing to), conversions, thank-yous
 * over both providers (one failing), signed webhooks, a metrics scrape, a backup. Then the log is
 * searched for every secret that passed through the process.
 */
describe('logs', () => {
  let resend: FakeHttpProvider;
  let twilio: FakeHttpProvider;
  let env: NodeJS.ProcessEnv;
  let cleanup: () => Promise<void>;
  const resendWebhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const metricsToken = `metrics_${randomBytes(16).toString('hex')}`;
  beforeAll(async () => {
    resend = await startFakeResend();
    twilio = await startFakeTwilio();
    const dir = mkdtempSync(join(tmpdir(), 'rewardloop-logs-'));
    const base = {
      LOG_LEVEL: 'trace',
      RATE_LIMIT_PER_MINUTE: '0',
      RESEND_API_KEY: RESEND_KEY,
      RESEND_API_URL: resend.url,
      RESEND_WEBHOOK_SECRET: resendWebhookSecret,
      EMAIL_FROM: 'Rewards Team <rewards@acme.test>',
      TWILIO_ACCOUNT_SID: TWILIO_SID,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      TWILIO_FROM: '+15005550006',
      TWILIO_API_URL: twilio.url,
      REWARDLOOP_DISPATCH_INTERVAL_MS: '100',
      METRICS_TOKEN: metricsToken,
    };
    if (onPostgres) {
      const scratch = await scratchPostgresUrl();
      env = { ...base, DATABASE_URL: scratch.url };
      cleanup = async () => {
        await scratch.drop();
        rmSync(dir, { recursive: true, force: true });
      };
    } else {
      env = { ...base, DATABASE_URL: '', REWARDLOOP_DATA_DIR: join(dir, 'data') };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await resend.close();
    await twilio.close();
    await cleanup();
  });

  it('are JSON lines with the request id, and no key, password, session token or secret is ever in them', async () => {
    const server = await startServer(env);
    let signInRequestId = '';
    const output = server.output();
    const ownerKey = /\n {2}(rl_[A-Za-z0-9_-]{40,})\n/.exec(output)?.[1] ?? '';
    const ownerPassword = /Web app sign-in: \S+ \/ (\S+)\n/.exec(output)?.[1] ?? '';
    expect(ownerKey).not.toBe('');
    expect(ownerPassword).not.toBe('');
    const secrets = new Map<string, string>([
      ['first owner key', ownerKey],
      ['first owner password', ownerPassword],
      ['Resend API key', RESEND_KEY],
      ['Resend webhook secret', resendWebhookSecret],
      ['Resend webhook secret (decoded part)', resendWebhookSecret.slice('whsec_'.length)],
      ['Twilio auth token', TWILIO_TOKEN],
      ['Twilio basic auth', Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64')],
      ['metrics token', metricsToken],
    ]);
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = { authorization: `Bearer ${ownerKey}` },
    ) => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      const isJson = (response.headers.get('content-type') ?? '').includes('json');
      return {
        status: response.status,
        json: isJson && text ? JSON.parse(text) : undefined,
        headers: response.headers,
      };
    };
    try {
      await call('PUT', '/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 2500,
        currency: 'USD',
        thankChannel: 'email_and_sms',
      });
      const finance = await call('POST', '/v1/api-keys', { name: 'Books', role: 'finance' });
      expect(finance.status).toBe(201);
      secrets.set('finance key', finance.json.key);
      const password = `Pw-${randomBytes(12).toString('hex')}`;
      secrets.set('user password', password);
      expect(
        (await call('POST', '/v1/users', { email: 'fiona@acme.test', password, role: 'finance', name: 'Fiona' }))
          .status,
      ).toBe(201);
      // A failed sign-in, a junk key: what was tried is a secret too.
      const wrongPassword = `Wrong-${randomBytes(12).toString('hex')}`;
      secrets.set('wrong password', wrongPassword);
      expect(
        (await call('POST', '/v1/session', { email: 'fiona@acme.test', password: wrongPassword }, {})).status,
      ).toBe(401);
      const junkKey = `rl_${randomBytes(32).toString('base64url')}`;
      secrets.set('junk key', junkKey);
      expect((await call('GET', '/v1/rewards', undefined, { authorization: `Bearer ${junkKey}` })).status).toBe(401);

      const signIn = await call('POST', '/v1/session', { email: 'fiona@acme.test', password }, {});
      expect(signIn.status).toBe(200);
      signInRequestId = signIn.headers.get('x-request-id') ?? '';
      const cookies = signIn.headers.getSetCookie();
      const session = cookies.find((c) => c.startsWith('rl_session='))?.split(';')[0] ?? '';
      expect(session).not.toBe('');
      secrets.set('session token', session.slice('rl_session='.length));
      const cookie = cookies.map((c) => c.split(';')[0]).join('; ');
      expect((await call('GET', '/v1/me', undefined, { cookie })).status).toBe(200);

      // A claim, approved over the session, marked sent: thank-yous by email and SMS.
      const referrer = await call('POST', '/v1/participants', {
        name: 'Jessica Alvarez',
        email: 'jessica@example.com',
        phone: '+14155550142',
        emailMarketingConsent: true,
        smsMarketingConsent: true,
      });
      const customer = await call('POST', '/v1/participants', { name: 'Sam Lee' });
      await call('POST', '/v1/referrals', {
        referrerId: referrer.json.id,
        referredId: customer.json.id,
        source: 'manual',
      });
      const conversion = await call('POST', '/v1/conversions', {
        externalId: 'deal-logs-1',
        type: 'deal_won',
        referredId: customer.json.id,
        amount: 1000,
        currency: 'USD',
      });
      expect(conversion.status).toBe(201);
      const rewardId = conversion.json.rewards[0].id;
      const approved = await call('POST', `/v1/rewards/${rewardId}/approve`, {}, { cookie, origin: server.url });
      expect(approved.status, JSON.stringify(approved.json)).toBe(200);
      resend.failNext = [500]; // one failed send is logged with the provider's answer
      expect((await call('POST', `/v1/rewards/${rewardId}/mark-sent`, {})).status).toBe(200);
      const deadline = Date.now() + 30_000;
      while (twilio.deliveries.length === 0 || resend.requests === 0) {
        if (Date.now() > deadline) throw new Error('the dispatcher sent nothing');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      // Signed webhooks from both providers, and a forged one.
      const statusUrl = `${server.url}/webhooks/twilio/status`;
      const fields = { MessageSid: twilio.deliveries[0]?.id ?? '', MessageStatus: 'delivered', AccountSid: TWILIO_SID };
      const twilioSig = twilioSignature(TWILIO_TOKEN, statusUrl, fields);
      secrets.set('Twilio webhook signature', twilioSig);
      const twilioHook = await fetch(statusUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSig },
        body: new URLSearchParams(fields).toString(),
      });
      expect(twilioHook.status).toBe(204);
      const body = JSON.stringify({ type: 'email.delivered', data: { email_id: 're_unknown' } });
      const id = `msg_${randomBytes(6).toString('hex')}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const svixSig = svixSignature(resendWebhookSecret, id, timestamp, body);
      secrets.set('Svix signature', svixSig.slice(3));
      const resendHook = await fetch(`${server.url}/webhooks/resend`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'svix-id': id,
          'svix-timestamp': timestamp,
          'svix-signature': svixSig,
        },
        body,
      });
      expect(resendHook.status).toBeLessThan(300);

      // A scrape with the metrics token; an embedded store's backup through the server.
      expect((await call('GET', '/metrics', undefined, { authorization: `Bearer ${metricsToken}` })).status).toBe(200);
      if (!onPostgres) {
        const serveFile = JSON.parse(
          readFileSync(join(env.REWARDLOOP_DATA_DIR ?? '', 'rewardloop.serve.json'), 'utf8'),
        );
        secrets.set('backup token', serveFile.token);
        const backup = await runCli(['backup', '--out', join(env.REWARDLOOP_DATA_DIR ?? '', '..', 'b.tar.gz')], env);
        expect(backup.code, backup.stderr).toBe(0);
      }
      // Revoking a key is logged as an action, not with the key.
      expect((await call('POST', `/v1/api-keys/${finance.json.id}/revoke`, {})).status).toBe(200);
      await call('DELETE', '/v1/session', undefined, { cookie, origin: server.url });
    } finally {
      await server.stop();
    }

    const log = server.output();
    // The first start prints the owner's key and password once, on purpose (the banner below);
    // nothing else may. Everything that is not the banner is a JSON log line.
    const banner = /\nRewardloop is running at [\s\S]*?\n {2}rl_[A-Za-z0-9_-]{40,}\n/.exec(log)?.[0] ?? '';
    expect(banner).toContain(ownerKey);
    const rest = log.replace(banner, '\n');
    for (const [what, secret] of secrets) {
      expect(secret.length, what).toBeGreaterThan(8);
      expect(rest.includes(secret), `${what} appears in the log`).toBe(false);
    }
    // Node's own process warnings (a driver deprecation on stderr) are not the service's log.
    const lines = rest
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('(node:') && !line.startsWith('(Use `node --trace-'));
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
    const requests = entries.filter((entry) => entry.msg === 'incoming request' || entry.msg === 'request completed');
    expect(requests.length).toBeGreaterThan(20);
    for (const entry of requests) expect(entry.reqId).toMatch(/^req_[0-9a-f]{16}$/);
    // The request id a client is given finds its lines in the log.
    expect(entries.filter((entry) => entry.reqId === signInRequestId).length).toBeGreaterThan(0);
    expect(entries.some((entry) => entry.msg === 'message not sent')).toBe(true);
  });
});
