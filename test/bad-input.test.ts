import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, newClaim, newParticipant, startTestApp, type TestApp } from './support/app.js';
import { tableCounts } from './support/counts.js';

/**
 * Bad input gets a clear 4xx problem+json naming the field, and nothing is written. Every case
 * runs against a workspace with data in it, and the row counts of every table are compared.
 */
describe('bad input', () => {
  let t: TestApp;
  let participantId: string;
  let rewardId: string;
  beforeAll(async () => {
    t = await startTestApp();
    participantId = (await newParticipant(t.owner)).id;
    rewardId = (await newClaim(t.owner)).reward.id;
  });
  afterAll(() => t.close());

  const raw = (method: 'POST' | 'PUT' | 'PATCH', url: string, payload: string, contentType = 'application/json') =>
    t.app.inject({
      method,
      url,
      payload,
      headers: { authorization: `Bearer ${t.owner.key}`, 'content-type': contentType },
    });

  type Case = [name: string, send: () => ReturnType<typeof raw>, status: number, code: string, field?: string];
  const cases: Case[] = [
    ['malformed JSON', () => raw('POST', '/v1/participants', '{"name": "Ann",'), 400, 'malformed_json', 'body'],
    ['an empty body', () => raw('POST', '/v1/participants', ''), 400, 'validation_failed', 'body'],
    ['a JSON array instead of an object', () => raw('POST', '/v1/participants', '[]'), 400, 'validation_failed'],
    [
      'form-encoded instead of JSON',
      () => raw('POST', '/v1/participants', 'name=Ann', 'application/x-www-form-urlencoded'),
      415,
      'unsupported_media_type',
    ],
    [
      'an unknown field',
      () => t.owner.post('/v1/participants', { name: 'Ann', status: 'vip' }),
      400,
      'validation_failed',
      'status',
    ],
    [
      'a client trying to set the workspace',
      () => t.owner.post('/v1/participants', { name: 'Ann', workspaceId: 'ws_x' }),
      400,
      'validation_failed',
      'workspaceId',
    ],
    [
      'a name that is missing',
      () => t.owner.post('/v1/participants', { email: 'a@example.com' }),
      400,
      'validation_failed',
      'name',
    ],
    [
      'a name of the wrong type',
      () => t.owner.post('/v1/participants', { name: 42 }),
      400,
      'validation_failed',
      'name',
    ],
    [
      'a name over 200 characters',
      () => t.owner.post('/v1/participants', { name: 'x'.repeat(201) }),
      400,
      'validation_failed',
      'name',
    ],
    [
      'a name with a NUL character',
      () => t.owner.post('/v1/participants', { name: 'Ann\u0000' }),
      400,
      'validation_failed',
      'name',
    ],
    [
      'a name with a lone surrogate',
      () => raw('POST', '/v1/participants', '{"name":"Ann \\ud800"}'),
      400,
      'validation_failed',
      'name',
    ],
    [
      'an email that is not one',
      () => t.owner.post('/v1/participants', { name: 'Ann', email: 'not-an-email' }),
      400,
      'validation_failed',
      'email',
    ],
    [
      'a phone that is not one',
      () => t.owner.post('/v1/participants', { name: 'Ann', phone: 'call me' }),
      400,
      'validation_failed',
      'phone',
    ],
    [
      'a participant kind that does not exist',
      () => t.owner.post('/v1/participants', { name: 'Ann', kind: 'vip' }),
      400,
      'validation_failed',
      'kind',
    ],
    [
      'a negative amount',
      () =>
        t.owner.post('/v1/conversions', {
          externalId: 'b1',
          type: 'deal_won',
          referredId: participantId,
          amount: -1,
          currency: 'USD',
        }),
      400,
      'validation_failed',
      'amount',
    ],
    [
      'a fractional amount',
      () =>
        t.owner.post('/v1/conversions', {
          externalId: 'b2',
          type: 'deal_won',
          referredId: participantId,
          amount: 10.5,
          currency: 'USD',
        }),
      400,
      'validation_failed',
      'amount',
    ],
    [
      'an amount beyond 10^12 minor units',
      () =>
        t.owner.post('/v1/conversions', {
          externalId: 'b3',
          type: 'deal_won',
          referredId: participantId,
          amount: 1_000_000_000_001,
          currency: 'USD',
        }),
      400,
      'validation_failed',
      'amount',
    ],
    [
      'an amount as a string',
      () =>
        t.owner.post('/v1/conversions', {
          externalId: 'b4',
          type: 'deal_won',
          referredId: participantId,
          amount: '100',
          currency: 'USD',
        }),
      400,
      'validation_failed',
      'amount',
    ],
    [
      'an unknown currency',
      () =>
        t.owner.post('/v1/conversions', {
          externalId: 'b5',
          type: 'deal_won',
          referredId: participantId,
          amount: 100,
          currency: 'XYZ',
        }),
      400,
      'validation_failed',
      'currency',
    ],
    [
      'a lowercase currency',
      () =>
        t.owner.post('/v1/conversions', {
          externalId: 'b6',
          type: 'deal_won',
          referredId: participantId,
          amount: 100,
          currency: 'usd',
        }),
      400,
      'validation_failed',
      'currency',
    ],
    [
      'an unknown conversion type',
      () =>
        t.owner.post('/v1/conversions', {
          externalId: 'b7',
          type: 'lead',
          referredId: participantId,
          amount: 100,
          currency: 'USD',
        }),
      400,
      'validation_failed',
      'type',
    ],
    [
      'a conversion naming nobody',
      () => t.owner.post('/v1/conversions', { externalId: 'b8', type: 'deal_won', amount: 100, currency: 'USD' }),
      400,
      'validation_failed',
      'referredId',
    ],
    [
      'a conversion for an unknown participant',
      () =>
        t.owner.post('/v1/conversions', {
          externalId: 'b9',
          type: 'deal_won',
          referredId: 'par_01M81KDCA89SNK7X8YWYEM3WWC',
          amount: 100,
          currency: 'USD',
        }),
      404,
      'not_found',
      'referredId',
    ],
    [
      'a date that is not one',
      () =>
        t.owner.post('/v1/conversions', {
          externalId: 'b10',
          type: 'deal_won',
          referredId: participantId,
          amount: 100,
          currency: 'USD',
          occurredAt: 'yesterday',
        }),
      400,
      'validation_failed',
      'occurredAt',
    ],
    [
      'a date far in the future',
      () =>
        t.owner.post('/v1/conversions', {
          externalId: 'b11',
          type: 'deal_won',
          referredId: participantId,
          amount: 100,
          currency: 'USD',
          occurredAt: '2099-01-01T00:00:00Z',
        }),
      400,
      'validation_failed',
      'occurredAt',
    ],
    [
      'a hostile external id',
      () =>
        t.owner.post('/v1/conversions', {
          externalId: "x'; drop table rewards; --",
          type: 'deal_won',
          referredId: 'par_<script>',
          amount: 100,
          currency: 'USD',
        }),
      404,
      'not_found',
      'referredId',
    ],
    [
      'a referral to oneself',
      () => t.owner.post('/v1/referrals', { referrerId: participantId, referredId: participantId, source: 'manual' }),
      400,
      'validation_failed',
      'referredId',
    ],
    [
      'a referral source that does not exist',
      () => t.owner.post('/v1/referrals', { referrerId: participantId, referredId: 'par_y', source: 'telepathy' }),
      400,
      'validation_failed',
      'source',
    ],
    [
      'a referral from an unknown referrer',
      () => t.owner.post('/v1/referrals', { referrerId: 'par_nobody', referredId: participantId, source: 'manual' }),
      404,
      'not_found',
      'referrerId',
    ],
    [
      'a note over 2,000 characters',
      () => t.owner.post(`/v1/rewards/${rewardId}/mark-sent`, { note: 'x'.repeat(2001) }),
      400,
      'validation_failed',
      'note',
    ],
    [
      'a decline without a reason',
      () => t.owner.post(`/v1/rewards/${rewardId}/decline`, {}),
      400,
      'validation_failed',
      'reason',
    ],
    [
      'a policy with commission but no rate',
      () => t.owner.put('/v1/reward-policy', { rewardType: 'commission_share', currency: 'USD' }),
      400,
      'validation_failed',
      'commissionRateBps',
    ],
    [
      'a policy with a gift card of nothing',
      () => t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 0, currency: 'USD' }),
      400,
      'validation_failed',
      'amount',
    ],
    [
      'a policy with tiers out of order',
      () =>
        t.owner.put('/v1/reward-policy', {
          rewardType: 'gift_card',
          amount: 100,
          currency: 'USD',
          tiers: [
            { fromReferral: 3, amount: 5 },
            { fromReferral: 2, amount: 6 },
          ],
        }),
      400,
      'validation_failed',
      'tiers.1.fromReferral',
    ],
    [
      'a policy with a fractional tier amount',
      () =>
        t.owner.put('/v1/reward-policy', {
          rewardType: 'gift_card',
          amount: 100,
          currency: 'USD',
          tiers: [{ fromReferral: 1, amount: 2.5 }],
        }),
      400,
      'validation_failed',
      'tiers.0.amount',
    ],
    [
      'a policy with a rate over 100%',
      () =>
        t.owner.put('/v1/reward-policy', {
          rewardType: 'commission_share',
          commissionRateBps: 10_001,
          currency: 'USD',
        }),
      400,
      'validation_failed',
      'commissionRateBps',
    ],
    ['a page size of 0', () => t.owner.get('/v1/rewards?limit=0'), 400, 'validation_failed', 'limit'],
    ['a page size of 101', () => t.owner.get('/v1/rewards?limit=101'), 400, 'validation_failed', 'limit'],
    [
      'a page size that is not a number',
      () => t.owner.get('/v1/participants?limit=lots'),
      400,
      'validation_failed',
      'limit',
    ],
    [
      'a status filter that does not exist',
      () => t.owner.get('/v1/rewards?status=paid'),
      400,
      'validation_failed',
      'status',
    ],
    ['a forged cursor', () => t.owner.get('/v1/rewards?cursor=not-a-cursor'), 400, 'validation_failed', 'cursor'],
    ['an unknown query parameter', () => t.owner.get('/v1/rewards?sort=amount'), 400, 'validation_failed', 'sort'],
    ['an unknown reward id', () => t.owner.get('/v1/rewards/rwd_01M81KDCFGRAZF706V3TFP1Y74'), 404, 'not_found'],
    ['a malformed reward id', () => t.owner.get('/v1/rewards/%27%20or%201=1'), 404, 'not_found'],
    ['marking an unknown reward sent', () => t.owner.post('/v1/rewards/rwd_nope/mark-sent', {}), 404, 'not_found'],
    [
      'patching an unknown participant',
      () => t.owner.patch('/v1/participants/par_nope', { name: 'X' }),
      404,
      'not_found',
    ],
    ['an unknown route', () => t.owner.get('/v1/nothing-here'), 404, 'not_found'],
    [
      'a bad Idempotency-Key',
      () => t.owner.post('/v1/participants', { name: 'Ann' }, { 'idempotency-key': 'has spaces in it' }),
      400,
      'validation_failed',
      'idempotency-key',
    ],
  ];

  it.each(cases)('%s: a 4xx problem naming the field, nothing written', async (_name, send, status, code, field) => {
    const before = await tableCounts(t.database);
    const response = await send();
    expect(response.statusCode, response.body).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const problem = JSON.parse(response.body);
    expect(problem).toMatchObject({ status, code, type: `urn:rewardloop:problem:${code}` });
    expect(problem.detail.length).toBeGreaterThan(10);
    if (field) expect(problem.field).toBe(field);
    expect(await tableCounts(t.database)).toEqual(before);
  });

  it('answers a body over 1 MiB with 413 and writes nothing', async () => {
    const before = await tableCounts(t.database);
    const response = await raw(
      'POST',
      '/v1/participants',
      JSON.stringify({ name: 'A', address: 'x'.repeat(1024 * 1024) }),
    );
    expect(json(response, 413)).toMatchObject({ code: 'payload_too_large' });
    expect(await tableCounts(t.database)).toEqual(before);
  });

  it('names every bad field, not just the first', async () => {
    const problem = json(await t.owner.post('/v1/participants', { name: '', email: 'x', kind: 'robot' }), 400);
    expect(problem.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'kind', 'name']);
  });

  it('stores hostile strings as text and gives them back unchanged', async () => {
    const hostile = `<script>alert("x")</script> Robert'); DROP TABLE participants;--`;
    const created = await newParticipant(t.owner, { name: hostile });
    expect(json(await t.owner.get(`/v1/participants/${created.id}`), 200).name).toBe(hostile);
  });
});

describe('authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each([
    ['no key', {}],
    ['a wrong key', { authorization: 'Bearer rl_not-a-real-key' }],
    ['a malformed header', { authorization: 'Basic abc' }],
  ])('refuses %s with 401 and writes nothing', async (_name, headers) => {
    const before = await tableCounts(t.database);
    const response = await t.app.inject({ method: 'POST', url: '/v1/participants', payload: { name: 'Ann' }, headers });
    expect(json(response, 401)).toMatchObject({ code: 'unauthorized', field: 'authorization' });
    expect(await tableCounts(t.database)).toEqual(before);
  });

  it('refuses a revoked key', async () => {
    const created = json(await t.owner.post('/v1/api-keys', { name: 'Temp', role: 'staff' }), 201);
    const ok = await t.app.inject({
      method: 'GET',
      url: '/v1/rewards',
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(ok.statusCode).toBe(200);
    json(await t.owner.post(`/v1/api-keys/${created.id}/revoke`), 200);
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/rewards',
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(json(response, 401).code).toBe('unauthorized');
  });

  it('keeps health, the OpenAPI document and the API docs public', async () => {
    expect(json(await t.app.inject({ method: 'GET', url: '/healthz' }), 200).status).toBe('ok');
    const openapi = json(await t.app.inject({ method: 'GET', url: '/openapi.json' }), 200);
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/v1/conversions', '/v1/rewards/{id}/mark-sent']),
    );
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });
});
