import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, json, newParticipant, startTestApp, type TestApp } from './support/app.js';

/**
 * Probes from the outside, as an attacker or a demanding operator would try them (issue 8):
 * the request limit, sign-in lockout, hostile names, impossible dates, workspace names,
 * security headers.
 */

describe('the request limit', () => {
  let t: TestApp;
  const PER_MINUTE = 5;
  beforeAll(async () => {
    t = await startTestApp({ rateLimitPerMinute: PER_MINUTE, trustProxy: true });
  });
  afterAll(() => t.close());

  const from = (ip: string, authorization?: string) =>
    t.app.inject({
      method: 'GET',
      url: '/v1/participants',
      headers: { 'x-forwarded-for': ip, ...(authorization ? { authorization } : {}) },
    });

  it('counts a new junk token per request against the client address, and answers 429 with Retry-After', async () => {
    for (let i = 0; i < PER_MINUTE; i++) {
      expect((await from('203.0.113.7', `Bearer junk-${i}`)).statusCode).toBe(401);
    }
    const refused = await from('203.0.113.7', 'Bearer junk-next');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(refused.body).code).toBe('rate_limited');
    // No credential at all is the same caller: the address.
    expect((await from('203.0.113.7')).statusCode).toBe(429);
    // Another client is not held back by this one.
    expect((await from('198.51.100.9', 'Bearer junk-other')).statusCode).toBe(401);
  });

  it('lets a valid key through from an address that is being refused', async () => {
    expect((await from('203.0.113.7', 'Bearer junk-again')).statusCode).toBe(429);
    json(await from('203.0.113.7', `Bearer ${t.owner.key}`), 200);
  });

  it('counts a key by its id, however the header is spelled', async () => {
    const key = (await t.as('viewer')).key;
    const spellings = [`Bearer ${key}`, `Bearer  ${key}`, `bearer ${key} `, `Bearer\t${key}`, `BEARER   ${key}  `];
    for (const [i, spelling] of spellings.entries()) {
      // A different address each time: the key, not the address, is the caller.
      json(await from(`192.0.2.${i + 1}`, spelling), 200);
    }
    expect((await from('192.0.2.99', `Bearer   ${key}`)).statusCode).toBe(429);
  });
});

describe('the request limit without a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ rateLimitPerMinute: 3 });
  });
  afterAll(() => t.close());

  it('ignores X-Forwarded-For, so a made-up address buys no new allowance', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await t.app.inject({
        method: 'GET',
        url: '/v1/participants',
        headers: { 'x-forwarded-for': `10.0.0.${i}`, authorization: `Bearer junk-${i}` },
      });
      expect(answer.statusCode).toBe(401);
    }
    const refused = await t.app.inject({
      method: 'GET',
      url: '/v1/participants',
      headers: { 'x-forwarded-for': '10.0.0.200', authorization: 'Bearer junk-200' },
    });
    expect(refused.statusCode).toBe(429);
  });
});

describe('sign-in attempts', () => {
  let t: TestApp;
  const PASSWORD = 'alice password 1';
  beforeAll(async () => {
    t = await startTestApp({ trustProxy: true });
    await createTestUser(t, 'alice@example.com', PASSWORD, 'owner');
  });
  afterAll(() => t.close());

  const signIn = (ip: string, password: string, cookie?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/session',
      headers: { 'x-forwarded-for': ip, ...(cookie ? { cookie } : {}) },
      payload: { email: 'alice@example.com', password },
    });

  it('cannot be used to lock a user out: her correct password works from her device and from elsewhere', async () => {
    const first = await signIn('192.0.2.10', PASSWORD);
    json(first, 200);
    const device = first.cookies.find((c) => c.name === 'rl_device');
    expect(device?.httpOnly).toBe(true);
    const deviceCookie = `rl_device=${device?.value}`;

    // Someone hammers her email from one address until that address is refused.
    for (let i = 0; i < 10; i++) expect((await signIn('203.0.113.5', `guess ${i}`)).statusCode).toBe(401);
    const refused = await signIn('203.0.113.5', 'guess 10');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Even the right password is refused there: the pair is limited, not the guesser's luck.
    expect((await signIn('203.0.113.5', PASSWORD)).statusCode).toBe(429);
    // Alice, somewhere else, is not locked out.
    json(await signIn('192.0.2.20', PASSWORD), 200);

    // A distributed guess from many addresses reaches the ceiling for her email ...
    for (let a = 1; a <= 4; a++) {
      for (let i = 0; i < 10; i++) expect((await signIn(`198.51.100.${a}`, `guess ${a}.${i}`)).statusCode).toBe(401);
    }
    expect((await signIn('198.51.100.77', PASSWORD)).statusCode).toBe(429);
    // ... but the browser she signed in with before still gets in, from wherever it is.
    json(await signIn('198.51.100.78', PASSWORD, deviceCookie), 200);
    // A forged device cookie is no key.
    const forged = deviceCookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await signIn('198.51.100.79', PASSWORD, forged)).statusCode).toBe(429);
  });
});

describe('hostile names and impossible dates', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ start: new Date() });
  });
  afterAll(() => t.close());

  it('refuses bidirectional control characters in names, naming the field, and writes nothing', async () => {
    const before = json(await t.owner.get('/v1/participants?limit=100'), 200).items.length;
    for (const control of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']) {
      const answer = json(await t.owner.post('/v1/participants', { name: `Jane ${control}tnegA` }), 400);
      expect(answer.field).toBe('name');
      expect(answer.detail).toContain('bidirectional');
    }
    expect(json(await t.owner.get('/v1/participants?limit=100'), 200).items.length).toBe(before);
    expect(json(await t.owner.patch('/v1/workspace', { senderName: 'Olivia \u202Eowner' }), 400).field).toBe(
      'senderName',
    );
    expect(json(await t.owner.get('/v1/workspace'), 200).senderName).toBeNull();
    // Right-to-left names themselves are welcome.
    json(await t.owner.post('/v1/participants', { name: 'שרה לוי' }), 201);
  });

  it('refuses conversion and referral times before 2000 or more than a day ahead, naming the field', async () => {
    const referrer = await newParticipant(t.owner);
    const referred = await newParticipant(t.owner);
    const conversion = (occurredAt: string, externalId: string) =>
      t.owner.post('/v1/conversions', {
        externalId,
        type: 'deal_won',
        referredId: referred.id,
        amount: 100_000,
        currency: 'USD',
        occurredAt,
      });
    for (const occurredAt of ['0099-06-01T00:00:00Z', '1999-12-31T23:59:59Z']) {
      const answer = json(await conversion(occurredAt, `old-${occurredAt}`), 400);
      expect(answer.field).toBe('occurredAt');
      expect(answer.detail).toContain('2000-01-01');
    }
    const tomorrowAndABit = new Date(Date.now() + 2 * 86_400_000).toISOString();
    expect(json(await conversion(tomorrowAndABit, 'future'), 400).field).toBe('occurredAt');
    expect(json(await t.owner.get('/v1/conversions'), 200).items).toHaveLength(0);

    const answer = json(
      await t.owner.post('/v1/referrals', {
        referrerId: referrer.id,
        referredId: referred.id,
        source: 'manual',
        referredAt: '0050-01-01T00:00:00Z',
      }),
      400,
    );
    expect(answer.field).toBe('referredAt');

    // The first instant allowed comes back as it was sent.
    const created = json(await conversion('2000-01-01T00:00:00.000Z', 'y2k'), 201);
    expect(created.conversion.occurredAt).toBe('2000-01-01T00:00:00.000Z');
  });
});

describe('workspace names', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('lets an owner take a name another workspace has, without telling them it exists', async () => {
    const other = await t.otherWorkspace();
    const theirs = json(await other.get('/v1/workspace'), 200);
    const mine = json(await t.owner.get('/v1/workspace'), 200);
    const renamed = json(await t.owner.patch('/v1/workspace', { name: theirs.name }), 200);
    expect(renamed).toMatchObject({ name: theirs.name, slug: mine.slug });
    // Their workspace is untouched, and so is everything that addresses it by slug.
    expect(json(await other.get('/v1/workspace'), 200)).toMatchObject({ name: theirs.name, slug: theirs.slug });
    // Renaming to one's own slug-alike is no clash either.
    json(await t.owner.patch('/v1/workspace', { name: theirs.slug }), 200);
  });
});

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('forbid framing and inline scripts everywhere, and allow the public pages’ one stylesheet', async () => {
    const api = await t.owner.get('/v1/participants');
    const csp = String(api.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(api.headers['x-frame-options']).toBe('DENY');
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    // Plain-HTTP installs are not told to upgrade themselves to HTTPS, nor given HSTS.
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(api.headers['strict-transport-security']).toBeUndefined();

    const person = await newParticipant(t.owner);
    const landing = await t.app.inject({ method: 'GET', url: new URL(person.referralUrl).pathname });
    expect(landing.statusCode).toBe(200);
    const style = /<style>([\s\S]*?)<\/style>/.exec(landing.body)?.[1] ?? '';
    const hash = createHash('sha256').update(style).digest('base64');
    expect(String(landing.headers['content-security-policy'])).toContain(`'sha256-${hash}'`);
    expect(landing.body).not.toMatch(/style="/);
  });
});
