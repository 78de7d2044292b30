import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Api,
  json,
  newConversion,
  newParticipant,
  newReferral,
  startTestApp,
  type TestApp,
} from './support/app.js';

/** A referrer with `n` referred customers who each bought, all approved and sent. */
async function referrerWith(
  t: TestApp,
  finance: Api,
  staff: Api,
  name: string,
  n: number,
  extra: Record<string, unknown> = {},
) {
  const { leaderboardOptIn, ...details } = extra;
  const referrer = await newParticipant(t.owner, { name, ...details });
  if (leaderboardOptIn !== undefined) {
    json(await t.owner.patch(`/v1/participants/${referrer.id}`, { leaderboardOptIn }), 200);
  }
  const friends = [];
  for (let i = 0; i < n; i++) {
    const friend = await newParticipant(t.owner, {
      name: `Friend${i} Of ${name.replace(/\s/g, '')}`,
      phone: `+1415555${String(1000 + Math.floor(Math.random() * 8999))}`,
    });
    await newReferral(t.owner, referrer.id, friend.id);
    const { rewards } = await newConversion(t.owner, friend.id);
    json(await finance.post(`/v1/rewards/${rewards[0].id}/approve`, {}), 200);
    json(await staff.post(`/v1/rewards/${rewards[0].id}/mark-sent`, {}), 200);
    friends.push(friend);
    t.clock.advance(60_000);
  }
  return { referrer, friends };
}

describe('a referrer’s own page and the leaderboard', () => {
  let t: TestApp;
  let finance: Api;
  let staff: Api;
  let slug: string;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance');
    staff = await t.as('staff');
    slug = json(await t.owner.patch('/v1/workspace', { companyName: 'Bright Roofing' }), 200).slug;
  });
  afterAll(() => t.close());

  const page = (url: string) => t.app.inject({ method: 'GET', url: url.replace('http://rewardloop.test', '') });

  it('shows the referrer their link, share buttons, a QR code, counts and rewards, and nobody else', async () => {
    const { referrer, friends } = await referrerWith(t, finance, staff, 'Jessica Alvarez', 2, {
      email: 'jessica@example.com',
    });
    const { pageUrl } = json(await staff.get(`/v1/participants/${referrer.id}/page`), 200);
    expect(pageUrl).toMatch(/\/p\/[0-9a-f]{32}$/);
    const response = await page(pageUrl);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('private, no-store');
    const html = response.body;
    expect(html).toContain('Hi Jessica');
    expect(html).toContain(referrer.referralUrl);
    expect(html).toContain('href="sms:?&amp;body=');
    expect(html).toContain('href="mailto:?subject=');
    expect(html).toMatch(/<svg[^>]*viewBox/);
    expect(html).toContain('<strong>2</strong><span>referred</span>');
    expect(html).toContain('<strong>2</strong><span>became customers</span>');
    expect(html).toContain('Sent to you');
    // No other person's data: not the friends' names, emails or phones, not even initials of them.
    for (const friend of friends) {
      expect(html).not.toContain(friend.name);
      expect(html).not.toContain(friend.email);
      expect(html).not.toContain(friend.phone);
      expect(html).not.toContain(friend.id);
    }
    // No inline script: the copy button's code is a file of our own, the CSP's 'self'.
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    expect(html).toContain('<script src="/p/assets/page.js" defer></script>');
    expect((await page('/p/assets/page.js')).statusCode).toBe(200);
  });

  it('answers 404 to a wrong or rotated token; staff rotate it, a viewer may not', async () => {
    const referrer = await newParticipant(t.owner, { name: 'Rotating Rita' });
    const { pageUrl } = json(await staff.get(`/v1/participants/${referrer.id}/page`), 200);
    expect((await page('/p/0123456789abcdef0123456789abcdef')).statusCode).toBe(404);
    expect((await page('/p/not-a-token')).statusCode).toBe(404);
    const viewer = await t.as('viewer');
    expect((await viewer.post(`/v1/participants/${referrer.id}/rotate-page`)).statusCode).toBe(403);
    const rotated = json(await staff.post(`/v1/participants/${referrer.id}/rotate-page`), 200);
    expect(rotated.pageUrl).not.toBe(pageUrl);
    expect((await page(pageUrl)).statusCode).toBe(404);
    expect((await page(rotated.pageUrl)).statusCode).toBe(200);
  });

  it('ranks by closed referrals, ties to whoever got there first, and leaves reversed rewards out', async () => {
    const { referrer: top } = await referrerWith(t, finance, staff, 'Top Tanner', 3);
    const { referrer: early } = await referrerWith(t, finance, staff, 'Early Eve', 1, { leaderboardOptIn: true });
    const { referrer: late, friends } = await referrerWith(t, finance, staff, 'Late Larry', 2);
    // Larry's second referral was logged by mistake: voided, it leaves the board.
    const referral = json(await t.owner.get(`/v1/referrals?referredId=${friends[1]?.id}`), 200).items[0];
    json(
      await t.app.inject({
        method: 'DELETE',
        url: `/v1/referrals/${referral.id}`,
        headers: { authorization: `Bearer ${finance.key}` },
        payload: { reason: 'wrong referrer' },
      }),
      200,
    );
    const board = json(await t.owner.get('/v1/leaderboard?period=all&limit=20'), 200);
    const order = board.items.map((item: { participantId: string }) => item.participantId);
    expect(order.indexOf(top.id)).toBeLessThan(order.indexOf(early.id));
    // Eve and Larry both have 1 now; Eve got there first.
    expect(order.indexOf(early.id)).toBeLessThan(order.indexOf(late.id));
    const larry = board.items.find((item: { participantId: string }) => item.participantId === late.id);
    expect(larry.closedReferrals).toBe(1);
    expect(board.items[0]).toMatchObject({ rank: 1, rewardsEarned: [{ currency: 'USD' }] });
    expect(json(await t.owner.get('/v1/leaderboard?period=week'), 400).errors[0].field).toBe('period');
  });

  it('serves the public page only when turned on: opted-in people, short names, no ids or contacts', async () => {
    expect((await page(`/leaderboard/${slug}`)).statusCode).toBe(404);
    expect((await page(`/leaderboard/${slug}.json`)).statusCode).toBe(404);
    json(await t.owner.patch('/v1/workspace', { publicLeaderboard: true }), 200);
    const { referrer } = await referrerWith(t, finance, staff, 'Jessica Public', 1, {
      email: 'jp@example.com',
      leaderboardOptIn: true,
    });
    const hidden = await newParticipant(t.owner, { name: 'Hidden Harry' });
    json(await t.owner.patch(`/v1/participants/${hidden.id}`, { leaderboardOptIn: false }), 200);
    t.clock.advance(61_000);
    const data = json(await page(`/leaderboard/${slug}.json?period=all`), 200);
    const names = data.items.map((item: { name: string }) => item.name);
    expect(names).toContain('Jessica P.');
    expect(names).not.toContain('Top T.');
    const text = JSON.stringify(data);
    expect(text).not.toContain(referrer.id);
    expect(text).not.toContain('jp@example.com');
    expect(text).not.toContain('Public');
    const html = await page(`/leaderboard/${slug}?period=all`);
    expect(html.statusCode).toBe(200);
    expect(html.headers['cache-control']).toBe('public, max-age=60');
    expect(html.body).toContain('Jessica P.');
    expect(html.body).not.toContain('Hidden');
    // Turned off again: 404 once the minute's cache has passed.
    json(await t.owner.patch('/v1/workspace', { publicLeaderboard: false }), 200);
    t.clock.advance(61_000);
    expect((await page(`/leaderboard/${slug}.json?period=all`)).statusCode).toBe(404);
  });

  it('never publishes an email, a phone number or a surname, however the name was typed', async () => {
    json(await t.owner.patch('/v1/workspace', { publicLeaderboard: true }), 200);
    const typed = [
      ['Alvarez, Jessica', 'Jessica A.'],
      ['jessica.alvarez@gmail.com', 'Referrer'],
      ['Dr. Jessica Maria Alvarez-Smith', 'Jessica A.'],
      ['Alvarez Jessica (555) 123-4567', 'Referrer'],
    ];
    for (const [name] of typed) {
      await referrerWith(t, finance, staff, name ?? '', 1, { leaderboardOptIn: true });
    }
    t.clock.advance(61_000);
    const response = await page(`/leaderboard/${slug}.json?period=all`);
    const names = json(response, 200).items.map((item: { name: string }) => item.name);
    for (const [, shown] of typed) expect(names).toContain(shown);
    for (const secret of ['@', 'gmail', 'jessica.alvarez', 'Alvarez', 'Smith', '555', '4567', 'Maria']) {
      expect(response.body).not.toContain(secret);
    }
    const html = await page(`/leaderboard/${slug}?period=all`);
    for (const secret of ['gmail', 'Alvarez', '555']) expect(html.body).not.toContain(secret);
    json(await t.owner.patch('/v1/workspace', { publicLeaderboard: false }), 200);
    t.clock.advance(61_000);
  });

  it('shows the referrer their credit balance when their reward is account credit', async () => {
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'account_credit', amount: 2000, currency: 'USD' }), 200);
    const { referrer } = await referrerWith(t, finance, staff, 'Credit Carla', 1);
    // Marked sent, the credit was issued to her account (credits/ keeps the ledger).
    expect(json(await t.owner.get(`/v1/participants/${referrer.id}/credits`), 200).balances).toEqual([
      { currency: 'USD', amount: 2000 },
    ]);
    const { pageUrl } = json(await staff.get(`/v1/participants/${referrer.id}/page`), 200);
    const html = (await page(pageUrl)).body;
    expect(html).toContain('Your credit and codes');
    expect(html).toContain('20.00 USD');
    // Someone with no credit sees no such section.
    const none = await newParticipant(t.owner, { name: 'No Credit' });
    const empty = json(await staff.get(`/v1/participants/${none.id}/page`), 200);
    expect((await page(empty.pageUrl)).body).not.toContain('Your credit and codes');
  });
});
