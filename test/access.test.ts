import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, PERMISSIONS } from '../src/access/roles.core.js';
import { ROLES } from '../src/shared/vocabulary.js';
import { type Api, json, newClaim, newParticipant, startTestApp, type TestApp } from './support/app.js';
import { tableCounts } from './support/counts.js';

describe('tenancy', () => {
  let t: TestApp;
  let stranger: Api;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestApp();
    stranger = await t.otherWorkspace();
    const finance = await t.as('finance');
    const claim = await newClaim(t.owner, { referrer: { email: 'flagged@example.com' } });
    ids.reward = claim.reward.id;
    ids.participant = claim.referrer.id;
    ids.conversion = claim.result.conversion.id;
    ids.referral = claim.reward.referralId;
    // A second referrer makes a dispute and flags, so those ids exist too.
    const rival = await newParticipant(t.owner);
    json(
      await t.owner.post('/v1/referrals', { referrerId: rival.id, referredId: claim.referred.id, source: 'manual' }),
      201,
    );
    const detail = json(await t.owner.get(`/v1/rewards/${ids.reward}`), 200);
    ids.flag = detail.flags[0].id;
    ids.dispute = detail.disputeId;
    ids.apiKey = json(await t.owner.post('/v1/api-keys', { name: 'Other', role: 'viewer' }), 201).id;
    ids.user = json(
      await t.owner.post('/v1/users', { email: 'u@example.com', role: 'viewer', password: 'long enough pw' }),
      201,
    ).id;
    const partner = await newParticipant(t.owner, { kind: 'partner' });
    ids.exception = json(
      await t.owner.post('/v1/partner-exceptions', {
        participantId: partner.id,
        commissionRateBps: 2000,
        reason: 'Agreed',
        expiresAt: '2027-01-01T00:00:00Z',
      }),
      201,
    ).id;
    // A paid reward whose sale is refunded leaves a recovery task.
    const paid = await newClaim(t.owner);
    json(await finance.post(`/v1/rewards/${paid.reward.id}/approve`, {}), 200);
    json(await t.owner.post(`/v1/rewards/${paid.reward.id}/mark-sent`, {}), 200);
    json(
      await t.owner.post('/v1/conversions', {
        externalId: 'refund-of-paid',
        type: 'refund',
        originalExternalId: paid.result.conversion.externalId,
        amount: paid.result.conversion.amount,
        currency: 'USD',
      }),
      201,
    );
    ids.recovery = json(await t.owner.get('/v1/recovery-tasks'), 200).items[0].id;
    // An approved reward in a payout batch.
    const batched = await newClaim(t.owner);
    json(await finance.post(`/v1/rewards/${batched.reward.id}/approve`, {}), 200);
    ids.payoutBatch = json(await finance.post('/v1/payout-batches', { currency: 'USD' }), 201).id;
    // A webhook endpoint, and a delivery to it (the next claim's reward.created).
    ids.webhookEndpoint = json(
      await t.owner.post('/v1/webhook-endpoints', { url: 'https://hooks.example.com/x', events: ['reward.created'] }),
      201,
    ).id;
    await newClaim(t.owner);
    ids.webhookDelivery = json(
      await t.owner.get(`/v1/webhook-endpoints/${ids.webhookEndpoint}/deliveries`),
      200,
    ).items[0].id;
  });
  afterAll(() => t.close());

  // A valid body for each id-bearing write, so the answer is about the id, not the body.
  const bodies: Record<string, unknown> = {
    'POST /v1/rewards/{id}/approve': { note: 'x' },
    'POST /v1/rewards/{id}/reject': { reason: 'x' },
    'POST /v1/rewards/{id}/mark-sent': {},
    'POST /v1/rewards/{id}/decline': { reason: 'x' },
    'POST /v1/rewards/{id}/mark-failed': { reason: 'x' },
    'POST /v1/rewards/{id}/notes': { note: 'x' },
    'POST /v1/rewards/{id}/flags/{flagId}/resolve': { reason: 'x' },
    'POST /v1/rewards/{id}/adjust': { amount: 100, reason: 'x' },
    'POST /v1/rewards/{id}/thank-you': { action: 'mark' },
    'POST /v1/rewards/{id}/retry': { note: 'x' },
    'POST /v1/participants/{id}/credits/redeem': { amount: 1, currency: 'USD', reference: 'x' },
    'POST /v1/payout-batches/{id}/approve': {},
    'POST /v1/payout-batches/{id}/mark-paid': { reference: 'x' },
    'POST /v1/payout-batches/{id}/cancel': { reason: 'x' },
    'PUT /v1/participants/{id}/tax-form': { type: 'W-9', receivedAt: '2026-01-01T00:00:00Z' },
    'POST /v1/disputes/{id}/resolve': { winningReferralId: 'ref_x', reason: 'x' },
    'POST /v1/partner-exceptions/{id}/revoke': undefined,
    'POST /v1/recovery-tasks/{id}/resolve': { status: 'done', note: 'x' },
    'PATCH /v1/participants/{id}': { name: 'Renamed' },
    'POST /v1/api-keys/{id}/revoke': undefined,
    'POST /v1/users/{id}/disable': undefined,
    'PATCH /v1/webhook-endpoints/{id}': { disabled: true },
    'DELETE /v1/webhook-endpoints/{id}': undefined,
    'POST /v1/webhook-endpoints/{id}/rotate-secret': undefined,
    'POST /v1/webhook-deliveries/{id}/retry': undefined,
    'DELETE /v1/referrals/{id}': { reason: 'x' },
    'POST /v1/participants/{id}/rotate-page': undefined,
  };

  function idFor(path: string, param: string): string {
    if (param === 'flagId') return ids.flag!;
    const noun = path.split('/')[2] ?? '';
    const map: Record<string, string> = {
      rewards: 'reward',
      participants: 'participant',
      conversions: 'conversion',
      referrals: 'referral',
      disputes: 'dispute',
      'api-keys': 'apiKey',
      users: 'user',
      'partner-exceptions': 'exception',
      'recovery-tasks': 'recovery',
      'webhook-endpoints': 'webhookEndpoint',
      'webhook-deliveries': 'webhookDelivery',
      'payout-batches': 'payoutBatch',
    };
    const id = ids[map[noun] ?? ''];
    if (!id) throw new Error(`no id prepared for ${path}`);
    return id;
  }

  it('answers 404 to another workspace asking for any of this one’s objects, and changes nothing', async () => {
    const openapi = json(await t.app.inject({ method: 'GET', url: '/openapi.json' }), 200);
    const routes = Object.entries(openapi.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() })),
    );
    // Routes whose path names an object (templates are addressed by kind and channel, not by id).
    const idRoutes = routes.filter((route) => /\{(id|flagId)\}/.test(route.path) && route.path.startsWith('/v1/'));
    expect(idRoutes.length).toBeGreaterThan(10);
    const before = await tableCounts(t.database);
    for (const route of idRoutes) {
      const key = `${route.method} ${route.path}`;
      if (route.method !== 'GET') expect(Object.keys(bodies), `add a body for ${key}`).toContain(key);
      const url = route.path.replace(/\{(\w+)\}/g, (_, param: string) => idFor(route.path, param));
      const response = await t.app.inject({
        method: route.method as 'GET',
        url,
        headers: { authorization: `Bearer ${stranger.key}` },
        ...(bodies[key] === undefined ? {} : { payload: bodies[key] as object }),
      });
      expect(response.statusCode, `${key}: ${response.body}`).toBe(404);
      expect(JSON.parse(response.body).code).toBe('not_found');
    }
    const after = await tableCounts(t.database);
    // The stranger's own requests leave audit or idempotency rows of theirs only — none here.
    expect(after).toEqual(before);
  });

  it('keeps lists to the caller’s workspace', async () => {
    expect(json(await stranger.get('/v1/rewards'), 200).items).toEqual([]);
    expect(json(await stranger.get('/v1/participants'), 200).items).toEqual([]);
    expect(
      json(await stranger.get('/v1/audit-events'), 200).items.every(
        (e: { objectType: string }) => e.objectType === 'workspace' || e.objectType === 'api_key',
      ),
    ).toBe(true);
  });
});

describe('the role matrix', () => {
  let t: TestApp;
  let keys: Record<string, Api>;
  beforeAll(async () => {
    t = await startTestApp();
    keys = { owner: t.owner, finance: await t.as('finance'), staff: await t.as('staff'), viewer: await t.as('viewer') };
  });
  afterAll(() => t.close());

  it('answers 403 to every role below a privileged route’s permission, before reading the body', async () => {
    const privileged = t.app.routeCatalog.filter((route) => route.permission && route.permission !== 'read');
    expect(privileged.length).toBeGreaterThan(15);
    let refusals = 0;
    for (const route of privileged) {
      for (const role of ROLES) {
        if (can(role, route.permission!)) continue;
        const url = route.url.replace(/:(\w+)/g, 'x_1');
        const response = await t.app.inject({
          method: route.method as 'POST',
          url,
          headers: { authorization: `Bearer ${keys[role]!.key}` },
          payload: {},
        });
        expect(response.statusCode, `${role} ${route.method} ${route.url}`).toBe(403);
        expect(JSON.parse(response.body)).toMatchObject({ code: 'forbidden', role, permission: route.permission });
        refusals++;
      }
    }
    expect(refusals).toBeGreaterThan(30);
  });

  it('lets viewers read but not write', async () => {
    expect((await keys.viewer!.get('/v1/rewards')).statusCode).toBe(200);
    expect((await keys.viewer!.post('/v1/participants', { name: 'No' })).statusCode).toBe(403);
  });

  it('keeps payouts to finance and owners: staff may fulfil but not approve', async () => {
    const { reward } = await newClaim(keys.staff!);
    expect(json(await keys.staff!.post(`/v1/rewards/${reward.id}/approve`, {}), 403).code).toBe('forbidden');
    json(await keys.finance!.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    json(await keys.staff!.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
  });

  it('is one table: every permission names only known roles and owners can do everything', () => {
    for (const [permission, roles] of Object.entries(PERMISSIONS)) {
      expect(
        roles.every((role) => (ROLES as readonly string[]).includes(role)),
        permission,
      ).toBe(true);
      expect(can('owner', permission as keyof typeof PERMISSIONS)).toBe(true);
    }
  });
});
