import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestApp, type TestApp } from './support/app.js';

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
