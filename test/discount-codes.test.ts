import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideRedeem, generateCode, parsePool } from '../src/discount-codes/discount-code.core.js';
import { type Api, json, newClaim, startTestApp, type TestApp } from './support/app.js';

/**
 * Discount codes, issued → redeemed: a discount_code reward gets its code when approved —
 * generated, or the next one of the pool the owner uploaded — and the code is redeemed once.
 */
describe('discount codes', () => {
  let t: TestApp;
  let finance: Api;
  let staff: Api;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance', 'Fiona (finance)');
    staff = await t.as('staff', 'Sid (staff)');
  });
  afterAll(() => t.close());

  const policy = (overrides: Record<string, unknown>) =>
    t.owner.put('/v1/reward-policy', {
      rewardType: 'discount_code',
      discountPercent: 20,
      currency: 'USD',
      autoThank: true,
      ...overrides,
    });
  const upload = (api: Api, text: string) => api.post('/v1/discount-codes/pool', text, { 'content-type': 'text/csv' });
  async function approvedCodeReward() {
    const claim = await newClaim(t.owner);
    return json(await finance.post(`/v1/rewards/${claim.reward.id}/approve`, {}), 200);
  }

  it('generates an unguessable code with the prefix on approval, shown on the reward and the participant', async () => {
    json(await policy({ codeSource: 'generated', codePrefix: 'FRIEND-' }), 200);
    const reward = await approvedCodeReward();
    expect(reward.code).toMatch(/^FRIEND-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    const other = await approvedCodeReward();
    expect(other.code).not.toBe(reward.code);
    const codes = json(await staff.get(`/v1/participants/${reward.referrer.id}/discount-codes`), 200).codes;
    expect(codes).toMatchObject([{ code: reward.code, status: 'issued', source: 'generated', rewardId: reward.id }]);
    expect((await policy({ codePrefix: 'friend ' })).statusCode).toBe(400);
  });

  it('redeems a code once: again is 409, an unknown code 404, lower case is the same code', async () => {
    json(await policy({ codeSource: 'generated', codePrefix: 'RL-' }), 200);
    const reward = await approvedCodeReward();
    const redeemed = json(
      await staff.post(`/v1/discount-codes/${reward.code.toLowerCase()}/redeem`, { reference: 'order 5521' }),
      200,
    );
    expect(redeemed).toMatchObject({ code: reward.code, status: 'redeemed', redeemedReference: 'order 5521' });
    const twice = await staff.post(`/v1/discount-codes/${reward.code}/redeem`, { reference: 'order 5522' });
    expect(twice.statusCode).toBe(409);
    expect(JSON.parse(twice.body).code).toBe('already_redeemed');
    expect((await staff.post('/v1/discount-codes/NOPE-NOPE/redeem', { reference: 'x' })).statusCode).toBe(404);
    expect((await staff.post(`/v1/discount-codes/${reward.code}/redeem`, {})).statusCode).toBe(400);
    const viewer = await t.as('viewer');
    expect((await viewer.post(`/v1/discount-codes/${reward.code}/redeem`, { reference: 'x' })).statusCode).toBe(403);
    const other = await t.otherWorkspace();
    expect((await other.post(`/v1/discount-codes/${reward.code}/redeem`, { reference: 'x' })).statusCode).toBe(404);
  });

  it('puts the code in the thank-you: the default one and a custom template with {{code}}', async () => {
    json(await policy({ codeSource: 'generated', codePrefix: 'THX-' }), 200);
    const first = await approvedCodeReward();
    json(await staff.post(`/v1/rewards/${first.id}/mark-sent`, {}), 200);
    const sent = json(await t.owner.get(`/v1/participants/${first.referrer.id}/messages`), 200).items;
    const thanks = sent.find((m: { kind: string; channel: string }) => m.kind === 'thank_you' && m.channel === 'email');
    expect(thanks.bodyText).toContain(`(code ${first.code})`);

    json(
      await t.owner.put('/v1/message-templates/thank_you/email', {
        subject: 'Your code: {{code}}',
        bodyText: 'Hi {{referrerFirstName}}, use {{code}} at checkout. {{unsubscribeUrl}}',
        bodyHtml: null,
      }),
      200,
    );
    const second = await approvedCodeReward();
    json(await staff.post(`/v1/rewards/${second.id}/mark-sent`, {}), 200);
    const custom = json(await t.owner.get(`/v1/participants/${second.referrer.id}/messages`), 200).items.find(
      (m: { kind: string; channel: string }) => m.kind === 'thank_you' && m.channel === 'email',
    );
    expect(custom.subject).toBe(`Your code: ${second.code}`);
    expect(custom.bodyText).toContain(`use ${second.code} at checkout`);
  });

  it('expires codes the policy says are valid for some days, and refuses them after', async () => {
    json(await policy({ codeSource: 'generated', codePrefix: 'EXP-', codeValidDays: 30 }), 200);
    const reward = await approvedCodeReward();
    const [given] = json(await staff.get(`/v1/participants/${reward.referrer.id}/discount-codes`), 200).codes;
    expect(new Date(given.expiresAt).getTime() - new Date(given.issuedAt).getTime()).toBe(30 * 86_400_000);
    expect((await policy({ codeValidDays: 0 })).statusCode).toBe(400);
    t.clock.advance(31 * 86_400_000);
    const late = await staff.post(`/v1/discount-codes/${reward.code}/redeem`, { reference: 'too late' });
    expect(late.statusCode).toBe(409);
    expect(JSON.parse(late.body).detail).toContain('expired');
    json(await policy({ codeSource: 'generated', codePrefix: null, codeValidDays: null }), 200);
  });

  it('lets one of two simultaneous redemptions of a code through', async () => {
    json(await policy({ codeSource: 'generated', codePrefix: null }), 200);
    const reward = await approvedCodeReward();
    const answers = await Promise.all(
      ['a', 'b', 'c'].map((ref) => staff.post(`/v1/discount-codes/${reward.code}/redeem`, { reference: ref })),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409, 409]);
  });

  it('takes pool codes in upload order, refuses duplicates naming the line, and counts what is left', async () => {
    json(await policy({ codeSource: 'pool' }), 200);
    const duplicate = await upload(t.owner, 'code\nPOOL-AAA1\npool-bbb2\nPOOL-AAA1\n');
    expect(duplicate.statusCode).toBe(400);
    expect(JSON.parse(duplicate.body).errors).toEqual([
      { field: 'line 4', message: 'POOL-AAA1 is already on line 2.' },
    ]);
    const bad = await upload(t.owner, 'POOL-OK1\nno spaces allowed\nPOOL-OK2,2020-01-01\n');
    expect(JSON.parse(bad.body).errors.map((e: { field: string }) => e.field)).toEqual(['line 2', 'line 3']);
    expect(json(await t.owner.get('/v1/discount-codes/pool'), 200).available).toBe(0);

    const added = json(await upload(t.owner, 'code\nPOOL-AAA1\npool-bbb2\r\n\nPOOL-CCC3,2030-12-31\n'), 201);
    expect(added).toMatchObject({ added: 3, available: 3, assigned: 0 });
    const again = await upload(t.owner, 'POOL-NEW9\nPOOL-BBB2\n');
    expect(JSON.parse(again.body).errors).toEqual([
      { field: 'line 2', message: 'POOL-BBB2 is already in the workspace.' },
    ]);
    expect((await upload(finance, 'POOL-FIN1\n')).statusCode).toBe(403);
    expect((await t.owner.post('/v1/discount-codes/pool', { codes: ['X'] })).statusCode).toBe(415);

    expect((await approvedCodeReward()).code).toBe('POOL-AAA1');
    expect((await approvedCodeReward()).code).toBe('POOL-BBB2');
    expect(json(await t.owner.get('/v1/discount-codes/pool'), 200)).toMatchObject({ available: 1, issuedFromPool: 2 });
  });

  it('leaves a reward waiting with a notice when the pool is empty, and gives it the next uploaded code', async () => {
    json(await policy({ codeSource: 'pool' }), 200);
    await approvedCodeReward(); // takes the last code of the previous upload
    const waiting = await approvedCodeReward();
    expect(waiting).toMatchObject({ status: 'pending', code: null });
    expect(waiting.history.map((h: { action: string }) => h.action)).toContain('discount_code.pool_empty');
    expect(json(await t.owner.get('/v1/discount-codes/pool'), 200)).toMatchObject({ available: 0, waitingRewards: 1 });
    const sendNow = await staff.post(`/v1/rewards/${waiting.id}/mark-sent`, {});
    expect(sendNow.statusCode).toBe(409);
    expect(JSON.parse(sendNow.body).detail).toContain('pool is empty');

    const added = json(await upload(t.owner, 'POOL-LATE1\nPOOL-LATE2\n'), 201);
    expect(added).toMatchObject({ added: 2, assigned: 1, available: 1, waitingRewards: 0 });
    const given = json(await t.owner.get(`/v1/rewards/${waiting.id}`), 200);
    expect(given.code).toBe('POOL-LATE1');
    json(await staff.post(`/v1/rewards/${waiting.id}/mark-sent`, {}), 200);
  });

  it('never gives two rewards approved at once the same pool code', async () => {
    json(await policy({ codeSource: 'pool' }), 200);
    const codes = Array.from({ length: 6 }, (_, i) => `RACE-${i}${randomBytes(3).toString('hex').toUpperCase()}`);
    const before = json(await t.owner.get('/v1/discount-codes/pool'), 200).available;
    json(await upload(t.owner, codes.join('\n')), 201);
    const claims = await Promise.all(Array.from({ length: 6 }, () => newClaim(t.owner)));
    const approved = await Promise.all(
      claims.map((claim) => finance.post(`/v1/rewards/${claim.reward.id}/approve`, {})),
    );
    const given = approved.map((answer) => json(answer, 200).code);
    expect(new Set(given).size).toBe(6);
    expect(given.every((code: string) => codes.includes(code) || code.startsWith('POOL-'))).toBe(true);
    expect(json(await t.owner.get('/v1/discount-codes/pool'), 200).available).toBe(before);
  });

  const codeOf = async (participantId: string) =>
    json(await staff.get(`/v1/participants/${participantId}/discount-codes`), 200).codes[0];
  async function pageOf(participantId: string) {
    const { pageUrl } = json(await staff.get(`/v1/participants/${participantId}/page`), 200);
    const response = await t.app.inject({ method: 'GET', url: new URL(pageUrl).pathname });
    expect(response.statusCode).toBe(200);
    return response.body;
  }

  it('voids the code of a reward whose referral is voided: redeeming it is 409, the page shows it void', async () => {
    json(await policy({ codeSource: 'generated', codePrefix: 'VOID-' }), 200);
    const claim = await newClaim(t.owner);
    const approved = json(await finance.post(`/v1/rewards/${claim.reward.id}/approve`, {}), 200);
    expect(await pageOf(claim.referrer.id)).toContain('ready to use');
    const referral = json(await t.owner.get(`/v1/referrals?referrerId=${claim.referrer.id}`), 200).items[0];
    const voided = await t.app.inject({
      method: 'DELETE',
      url: `/v1/referrals/${referral.id}`,
      headers: { authorization: `Bearer ${finance.key}` },
      payload: { reason: 'entered by mistake' },
    });
    expect(voided.statusCode).toBe(200);
    expect(json(await t.owner.get(`/v1/rewards/${claim.reward.id}`), 200).status).toBe('reversed');
    const redeem = await staff.post(`/v1/discount-codes/${approved.code}/redeem`, { reference: 'order 1' });
    expect(redeem.statusCode).toBe(409);
    expect(JSON.parse(redeem.body).detail).toContain('void');
    expect(await codeOf(claim.referrer.id)).toMatchObject({ code: approved.code, status: 'void' });
    const page = await pageOf(claim.referrer.id);
    expect(page).not.toContain('ready to use');
    expect(page).toContain('no longer valid');
  });

  it('voids the code of a declined reward, and of a sent one refunded before it was used (nothing to recover)', async () => {
    json(await policy({ codeSource: 'generated', codePrefix: 'GONE-' }), 200);
    const declined = await approvedCodeReward();
    json(await staff.post(`/v1/rewards/${declined.id}/decline`, { reason: 'does not want it' }), 200);
    const redeemDeclined = await staff.post(`/v1/discount-codes/${declined.code}/redeem`, { reference: 'order 2' });
    expect(redeemDeclined.statusCode).toBe(409);
    expect(JSON.parse(redeemDeclined.body).detail).toContain('void');

    const claim = await newClaim(t.owner);
    const sent = json(await finance.post(`/v1/rewards/${claim.reward.id}/approve`, {}), 200);
    json(await staff.post(`/v1/rewards/${sent.id}/mark-sent`, {}), 200);
    const conversion = claim.result.conversion;
    json(
      await t.owner.post('/v1/conversions', {
        externalId: `refund-${conversion.id}`,
        type: 'refund',
        originalExternalId: conversion.externalId,
        amount: conversion.amount,
        currency: 'USD',
      }),
      201,
    );
    expect(json(await t.owner.get(`/v1/rewards/${sent.id}`), 200).status).toBe('reversed');
    const redeemRefunded = await staff.post(`/v1/discount-codes/${sent.code}/redeem`, { reference: 'order 3' });
    expect(redeemRefunded.statusCode).toBe(409);
    expect(await codeOf(claim.referrer.id)).toMatchObject({ code: sent.code, status: 'void' });
    const tasks = json(await t.owner.get('/v1/recovery-tasks'), 200).items.filter(
      (task: { rewardId: string }) => task.rewardId === sent.id,
    );
    expect(tasks).toEqual([]);
  });

  it('keeps a code redeemed before its reward was refunded as redeemed', async () => {
    json(await policy({ codeSource: 'generated', codePrefix: 'USED-' }), 200);
    const claim = await newClaim(t.owner);
    const sent = json(await finance.post(`/v1/rewards/${claim.reward.id}/approve`, {}), 200);
    json(await staff.post(`/v1/rewards/${sent.id}/mark-sent`, {}), 200);
    json(await staff.post(`/v1/discount-codes/${sent.code}/redeem`, { reference: 'order 4' }), 200);
    const conversion = claim.result.conversion;
    json(
      await t.owner.post('/v1/conversions', {
        externalId: `refund-${conversion.id}`,
        type: 'refund',
        originalExternalId: conversion.externalId,
        amount: conversion.amount,
        currency: 'USD',
      }),
      201,
    );
    expect(json(await t.owner.get(`/v1/rewards/${sent.id}`), 200).status).toBe('reversed');
    expect(await codeOf(claim.referrer.id)).toMatchObject({ code: sent.code, status: 'redeemed' });
    expect(await pageOf(claim.referrer.id)).toContain('used');
  });
});

describe('the discount code rules', () => {
  it('generates codes of the same shape, different every time', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 15, maxLength: 15 }), (bytes) => {
        const code = generateCode('X-', bytes);
        seen.add(code);
        return /^X-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/.test(code);
      }),
    );
    expect(generateCode(null, new Uint8Array(15))).toBe('00000-00000-00000');
    expect(generateCode(null, new Uint8Array(15).fill(255))).toBe('ZZZZZ-ZZZZZ-ZZZZZ');
  });

  it('reads a pool file line by line, naming each problem line', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const { codes, problems } = parsePool(
      '\uFEFFcode\r\nabc-1\n\nabc-1\nx\nOK-2,2026-02-01\nOK-3,2027-01-01,extra\nOK-4,2027-01-01',
      now,
    );
    expect(codes).toEqual([
      { line: 2, code: 'ABC-1', expiresAt: null },
      { line: 8, code: 'OK-4', expiresAt: new Date('2027-01-01') },
    ]);
    expect(problems.map((p) => p.line)).toEqual([4, 5, 6, 7]);
  });

  it('redeems only an issued, unexpired code', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const base = { code: 'A-1', expiresAt: null, redeemedAt: null };
    expect(decideRedeem({ ...base, status: 'issued' }, now)).toEqual({ ok: true });
    expect(decideRedeem({ ...base, status: 'available' }, now)).toMatchObject({ ok: false, code: 'not_found' });
    expect(decideRedeem({ ...base, status: 'redeemed' }, now)).toMatchObject({ ok: false, code: 'already_redeemed' });
    expect(decideRedeem({ ...base, status: 'issued', expiresAt: new Date('2026-02-28T00:00:00Z') }, now)).toMatchObject(
      { ok: false, code: 'invalid_transition' },
    );
    for (const rewardStatus of ['reversed', 'declined', 'rejected']) {
      expect(decideRedeem({ ...base, status: 'issued' }, now, rewardStatus)).toMatchObject({
        ok: false,
        code: 'invalid_transition',
        message: expect.stringContaining('void'),
      });
    }
    expect(decideRedeem({ ...base, status: 'issued' }, now, 'sent')).toEqual({ ok: true });
    expect(decideRedeem({ ...base, status: 'redeemed' }, now, 'reversed')).toMatchObject({ code: 'already_redeemed' });
  });
});
