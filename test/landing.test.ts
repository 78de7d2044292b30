import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, json, newParticipant, PUBLIC_URL, startTestApp, type TestApp } from './support/app.js';

/** The referral link as a visitor uses it, and what it leaves behind as evidence. */
describe('referral links', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const visit = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'GET',
      url,
      headers: { 'user-agent': 'Mozilla/5.0 (test)', ...headers },
      remoteAddress: '203.0.113.50',
    });
  const submit = (url: string, fields: Record<string, string>, cookie = '') =>
    t.app.inject({
      method: 'POST',
      url,
      payload: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 (test)', cookie },
      remoteAddress: '203.0.113.50',
    });
  const pathOf = (url: string) => new URL(url).pathname;

  it('names the business once in the page title, escaped once', async () => {
    json(await t.owner.patch('/v1/workspace', { companyName: 'Bob & Sons <Roofing>' }), 200);
    const ann = await newParticipant(t.owner, { name: 'Ann Lee' });
    const page = await visit(pathOf(ann.referralUrl));
    expect(page.body).toContain('<title>Bob &amp; Sons &lt;Roofing&gt;: referred by Ann</title>');
    expect(page.body).not.toContain('&amp;amp;');
    json(await t.owner.patch('/v1/workspace', { companyName: null }), 200);
  });

  it('shows a lead form, records the click, and turns the visitor into a referral with evidence', async () => {
    const jessica = await newParticipant(t.owner, { name: 'Jessica Alvarez' });
    const page = await visit(pathOf(jessica.referralUrl));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Jessica thinks you’ll like');
    const cookie = String(page.headers['set-cookie']).split(';')[0] ?? '';
    expect(cookie).toMatch(/^rl_device=[a-f0-9]{32}$/);
    const clickId = /name="clickId" value="([^"]+)"/.exec(page.body)?.[1] ?? '';

    const thanks = await submit(
      pathOf(jessica.referralUrl),
      { clickId, name: 'Nora New', email: 'nora@example.net', emailConsent: 'on' },
      cookie,
    );
    expect(thanks.statusCode).toBe(200);
    expect(thanks.body).toContain('Thank you, Nora!');

    const referrals = json(await t.owner.get(`/v1/referrals?referrerId=${jessica.id}`), 200).items;
    expect(referrals).toHaveLength(1);
    expect(referrals[0]).toMatchObject({ source: 'link', referred: { name: 'Nora New' }, recordedBy: 'Referral link' });
    expect(referrals[0].evidence).toMatchObject({
      clickId,
      ip: '203.0.113.50',
      userAgent: 'Mozilla/5.0 (test)',
      form: { email: 'nora@example.net' },
    });
    const nora = json(await t.owner.get(`/v1/participants/${referrals[0].referred.id}`), 200);
    expect(nora).toMatchObject({ emailMarketingConsent: true, smsMarketingConsent: false });
  });

  it('flags a self-referral made from the referrer’s own device', async () => {
    // The referrer once came in through someone's link on this device; later they "refer" a
    // second identity of their own from the same browser.
    const sponsor = await newParticipant(t.owner, { name: 'Sponsor' });
    const first = await visit(pathOf(sponsor.referralUrl));
    const cookie = String(first.headers['set-cookie']).split(';')[0] ?? '';
    const clickA = /name="clickId" value="([^"]+)"/.exec(first.body)?.[1] ?? '';
    await submit(
      pathOf(sponsor.referralUrl),
      { clickId: clickA, name: 'Mallory', email: 'mallory@example.net' },
      cookie,
    );
    const mallory = json(await t.owner.get('/v1/participants?q=mallory@example.net'), 200).items[0];

    const second = await visit(pathOf(mallory.referralUrl), { cookie });
    const clickB = /name="clickId" value="([^"]+)"/.exec(second.body)?.[1] ?? '';
    await submit(
      pathOf(mallory.referralUrl),
      { clickId: clickB, name: 'Totally Different', email: 'other.me@example.org' },
      cookie,
    );
    const alias = json(await t.owner.get('/v1/participants?q=other.me@example.org'), 200).items[0];
    const result = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'device-1',
        type: 'deal_won',
        referredId: alias.id,
        amount: 100,
        currency: 'USD',
      }),
      201,
    );
    const flag = result.rewards[0].flags.find((f: { type: string }) => f.type === 'self_referral');
    expect(flag.reason).toContain('seen on both sides');
    expect(flag.evidence.device).toBeDefined();
  });

  it('refuses the referrer’s own email and unknown links, and re-shows the form on bad input', async () => {
    const jo = await newParticipant(t.owner, { name: 'Jo', email: 'jo@example.com' });
    const own = await submit(pathOf(jo.referralUrl), { name: 'Jo again', email: 'JO@example.com' });
    expect(own.statusCode).toBe(400);
    expect(own.body).toContain('your own referral link');
    const empty = await submit(pathOf(jo.referralUrl), { name: 'No Contact' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Leave an email address or a phone number');
    expect((await visit('/r/nowhere/ABCDEFGH')).statusCode).toBe(404);
    expect((await visit(`/r/${jo.referralUrl.split('/')[4]}/<script>`)).statusCode).toBe(404);
  });

  it('escapes what visitors type', async () => {
    const jo = await newParticipant(t.owner, { name: '<b>Jo</b>' });
    const page = await visit(pathOf(jo.referralUrl));
    expect(page.body).not.toContain('<b>Jo</b>');
    expect(page.body).toContain('&lt;b&gt;Jo&lt;/b&gt;');
  });
});

describe('signing in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await createTestUser(t, 'fiona@example.com', 'correct horse battery', 'finance');
    await createTestUser(t, 'vic@example.com', 'viewer password 1', 'viewer');
  });
  afterAll(() => t.close());

  const signIn = (email: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/v1/session', payload: { email, password } });

  it('opens a session that acts with the user’s role', async () => {
    const response = await signIn('Fiona@Example.com', 'correct horse battery');
    const body = json(response, 200);
    expect(body.actor).toMatchObject({ type: 'user', role: 'finance' });
    const cookie = String(response.headers['set-cookie']).split(';')[0] ?? '';
    expect(String(response.headers['set-cookie'])).toContain('HttpOnly');
    const me = json(await t.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } }), 200);
    expect(me.actor.name).toBe('fiona');
    const out = await t.app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('refuses a wrong password without saying which part was wrong', async () => {
    expect(json(await signIn('fiona@example.com', 'wrong'), 401).detail).toBe('Email or password is not right.');
    expect(json(await signIn('nobody@example.com', 'wrong'), 401).detail).toBe('Email or password is not right.');
  });

  it('refuses approval to a viewer', async () => {
    const cookie =
      String((await signIn('vic@example.com', 'viewer password 1')).headers['set-cookie']).split(';')[0] ?? '';
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/rewards/rwd_x/approve',
      headers: { cookie, 'content-type': 'application/json', origin: PUBLIC_URL },
      payload: {},
    });
    expect(json(response, 403)).toMatchObject({ code: 'forbidden', role: 'viewer' });
  });

  it('refuses cookie-authenticated writes from another site', async () => {
    const cookie =
      String((await signIn('fiona@example.com', 'correct horse battery')).headers['set-cookie']).split(';')[0] ?? '';
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/participants',
      headers: { cookie, origin: 'https://evil.example', host: 'rewardloop.test' },
      payload: { name: 'Forged' },
    });
    expect(response.statusCode).toBe(403);
  });
});

describe('what the security review found', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await createTestUser(t, 'sam@example.com', 'a long password', 'staff');
  });
  afterAll(() => t.close());

  it('never replays a new API key: the stored answer holds a placeholder, and another caller cannot use the idempotency key', async () => {
    const first = json(
      await t.owner.post('/v1/api-keys', { name: 'Zapier', role: 'staff' }, { 'idempotency-key': 'make-zapier-key' }),
      201,
    );
    expect(first.key).toMatch(/^rl_/);
    const replay = json(
      await t.owner.post('/v1/api-keys', { name: 'Zapier', role: 'staff' }, { 'idempotency-key': 'make-zapier-key' }),
      201,
    );
    expect(replay.id).toBe(first.id);
    expect(replay.key).not.toMatch(/^rl_/);
    const other = await t.as('owner', 'Another owner');
    expect(
      json(
        await other.post('/v1/api-keys', { name: 'Zapier', role: 'staff' }, { 'idempotency-key': 'make-zapier-key' }),
        409,
      ).code,
    ).toBe('idempotency_key_reused');
  });

  it('slows down password guessing with 429s', async () => {
    const attempt = () =>
      t.app.inject({ method: 'POST', url: '/v1/session', payload: { email: 'sam@example.com', password: 'guess' } });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt()).statusCode);
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it('answers a cookie write with an opaque Origin with 403, not a crash', async () => {
    // A user of its own: the test above used up sam@example.com's sign-in attempts.
    await createTestUser(t, 'olga@example.com', 'another long password', 'staff');
    const signedIn = await t.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { email: 'olga@example.com', password: 'another long password' },
    });
    expect(signedIn.statusCode).toBe(200);
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0] ?? '';
    const send = (origin: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/participants',
        headers: { cookie, origin },
        payload: { name: 'Written by Olga' },
      });
    expect(json(await send('null'), 403).code).toBe('forbidden');
    expect(json(await send('https://evil.example'), 403).code).toBe('forbidden');
    // From the app itself the same write goes through.
    expect((await send(PUBLIC_URL)).statusCode).toBe(201);
  });

  it('answers a landing-page post that is not a form with the form again, not a crash', async () => {
    const jo = await newParticipant(t.owner, { name: 'Jo' });
    const response = await t.app.inject({
      method: 'POST',
      url: new URL(jo.referralUrl).pathname,
      payload: { name: 5, email: ['x'] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('<form');
  });
});
