import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoApproveDueClaims } from '../src/scheduler.js';
import {
  type Api,
  createTestUser,
  json,
  newClaim,
  newParticipant,
  newReferral,
  PUBLIC_URL,
  startTestApp,
  type TestApp,
} from './support/app.js';

/**
 * The approval controls, tried from the attacker's side: every way around maker-checker that an
 * outside probe found (issue 8) has a test here that got through before the fix.
 */
const HOUR = 3_600_000;
const baseRules = {
  qualifyingTypes: ['deal_won', 'invoice_paid'],
  allowedReferrerKinds: ['customer', 'partner'],
  termsText: 'One reward per referred customer.',
  termsVersion: '2026-03',
  currency: 'USD',
  // These claims are large (two-person amounts); the tax form check is tested in test/payouts.test.ts.
  taxThreshold: { amount: 1_000_000_000, currency: 'USD' },
};

/** The approvers that count: those of the claim's current review round. */
const counted = (reward: { reviewRound: number; approvals: { round: number; approverName: string }[] }) =>
  reward.approvals
    .filter((a) => a.round === reward.reviewRound)
    .map((a) => a.approverName)
    .sort();

/** What the database said when it refused a statement (drizzle wraps it). */
async function refusal(statement: Promise<unknown>): Promise<string> {
  try {
    await statement;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return cause?.message ?? String(error);
  }
  return 'not refused';
}

const flagTypes = (reward: { flags: { type: string }[] }) => reward.flags.map((f) => f.type).sort();

describe('a lead form cannot hand an existing customer to a referrer', () => {
  let t: TestApp;
  let staff: Api;
  beforeAll(async () => {
    t = await startTestApp();
    staff = await t.as('staff', 'Sally');
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 2500, currency: 'USD' }), 200);
    // Auto-approval is on: the attack is that the form's claim would be paid with nobody looking.
    json(
      await t.owner.put('/v1/program-rules', { ...baseRules, autoApproval: { enabled: true, maxAmount: 10_000 } }),
      200,
    );
  });
  afterAll(() => t.close());

  const submitLead = async (referralUrl: string, fields: Record<string, string>) => {
    const path = new URL(referralUrl).pathname;
    const page = await t.app.inject({ method: 'GET', url: path, remoteAddress: '203.0.113.9' });
    const clickId = /name="clickId" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const answer = await t.app.inject({
      method: 'POST',
      url: path,
      payload: new URLSearchParams({ clickId, ...fields }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      remoteAddress: '203.0.113.9',
    });
    expect(answer.statusCode).toBe(200);
  };

  it('flags a customer the business already had, named by email, with when and how they became known', async () => {
    const sam = await newParticipant(t.owner, { name: 'Sam Lee', email: 'sam.lee@example.org', externalId: 'crm-sam' });
    t.clock.advance(3 * HOUR);
    const mallory = await newParticipant(t.owner, { name: 'Mallory Moss', email: 'mallory@example.net' });
    await submitLead(mallory.referralUrl, { name: 'Sam', email: 'Sam.Lee+promo@example.org' });

    const referrals = json(await t.owner.get(`/v1/referrals?referredId=${sam.id}`), 200).items;
    expect(referrals).toHaveLength(1);
    expect(referrals[0]).toMatchObject({ source: 'link', referrer: { name: 'Mallory Moss' } });

    const { rewards } = json(
      await staff.post('/v1/conversions', {
        externalId: 'deal-sam',
        type: 'deal_won',
        referredExternalId: 'crm-sam',
        amount: 50_000,
        currency: 'USD',
      }),
      201,
    );
    const claim = rewards[0];
    expect(claim.status).toBe('in_review');
    expect(claim.recommendation).toBe('needs_review');
    expect(flagTypes(claim)).toEqual(['existing_customer']);
    const flag = claim.flags.find((f: { type: string }) => f.type === 'existing_customer');
    expect(flag.reason).toContain('Sam Lee was already known before this link referral');
    expect(flag.evidence).toMatchObject({
      knownSince: sam.createdAt,
      knownVia: 'api',
      knownBy: 'owner key',
      referralSource: 'link',
    });
    // Not approved behind anyone's back, not by the scheduler either.
    await autoApproveDueClaims(t.deps);
    expect(json(await t.owner.get(`/v1/rewards/${claim.id}`), 200).status).toBe('in_review');
  });

  it('finds the existing customer by phone when the form leaves only a phone number', async () => {
    const pat = await newParticipant(t.owner, { name: 'Pat Quinn', email: null, phone: '+1 415 555 0123' });
    t.clock.advance(2 * HOUR);
    const mallory = await newParticipant(t.owner, { name: 'Mallory Two' });
    await submitLead(mallory.referralUrl, { name: 'Pat', phone: '(415) 555-0123' });

    // The form did not make a second Pat: the referral names the one the business knows.
    const referrals = json(await t.owner.get(`/v1/referrals?referrerId=${mallory.id}`), 200).items;
    expect(referrals).toHaveLength(1);
    expect(referrals[0].referred.id).toBe(pat.id);
    const claim = json(
      await staff.post('/v1/conversions', {
        externalId: 'deal-pat',
        type: 'deal_won',
        referredId: pat.id,
        amount: 50_000,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    expect(flagTypes(claim)).toEqual(['existing_customer']);
    expect(claim.status).toBe('in_review');
  });

  it('flags a customer who bought before the link named them, even for the sale before it', async () => {
    const kim = await newParticipant(t.owner, { name: 'Kim Park', email: 'kim@example.org' });
    const first = json(
      await staff.post('/v1/conversions', {
        externalId: 'deal-kim-1',
        type: 'deal_won',
        referredId: kim.id,
        amount: 40_000,
        currency: 'USD',
      }),
      201,
    );
    expect(first.outcome).toBe('no_referral');
    t.clock.advance(2 * HOUR);
    const mallory = await newParticipant(t.owner, { name: 'Mallory Three' });
    await submitLead(mallory.referralUrl, { name: 'Kim', email: 'kim@example.org' });

    // The referral makes a claim for the earlier sale at once (late attribution): flagged.
    const claims = json(await t.owner.get(`/v1/rewards?referredId=${kim.id}`), 200).items;
    expect(claims).toHaveLength(1);
    expect(claims[0].status).toBe('in_review');
    const flag = claims[0].flags.find((f: { type: string }) => f.type === 'existing_customer');
    expect(flag.reason).toContain('bought before being referred');
    expect(flag.evidence.earlierConversions).toMatchObject([{ externalId: 'deal-kim-1', amount: 40_000 }]);
  });

  it('still lets a genuinely new lead through, auto-approved when clean', async () => {
    const jess = await newParticipant(t.owner, { name: 'Jessica Alvarez' });
    await submitLead(jess.referralUrl, { name: 'Nora New', email: 'nora.new@example.net' });
    const [referral] = json(await t.owner.get(`/v1/referrals?referrerId=${jess.id}`), 200).items;
    t.clock.advance(HOUR);
    const claim = json(
      await staff.post('/v1/conversions', {
        externalId: 'deal-nora',
        type: 'deal_won',
        referredId: referral.referred.id,
        amount: 50_000,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    expect(flagTypes(claim)).toEqual([]);
    const detail = json(await t.owner.get(`/v1/rewards/${claim.id}`), 200);
    expect(detail.checks.find((c: { check: string }) => c.check === 'existing_customer').passed).toBe(true);
    expect(claim.status).toBe('pending');
  });
});

describe('the two-person rule counts only approvals of the claim as it is now', () => {
  let t: TestApp;
  let fiona: Api;
  let frank: Api;
  let gina: Api;
  beforeAll(async () => {
    t = await startTestApp();
    fiona = await t.as('finance', 'Fiona');
    frank = await t.as('finance', 'Frank');
    gina = await t.as('finance', 'Gina');
    // $6,000 gift cards; two approvers above $5,000.
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 600_000, currency: 'USD' }), 200);
    json(await t.owner.put('/v1/program-rules', { ...baseRules, twoApproversAbove: 500_000 }), 200);
  });
  afterAll(() => t.close());

  it('starts a new round when someone else changes the amount: the earlier approval no longer counts', async () => {
    const { reward } = await newClaim(t.owner);
    expect(reward.approvalsRequired).toBe(2);
    expect(json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 200).status).toBe('in_review');
    const adjusted = json(
      await frank.post(`/v1/rewards/${reward.id}/adjust`, { amount: 900_000, reason: 'Bigger deal' }),
      200,
    );
    expect(adjusted).toMatchObject({ status: 'in_review', amount: 900_000 });
    // Before the fix this made it approved: Fiona's $6,000 approval plus Gina's $9,000 one.
    expect(json(await gina.post(`/v1/rewards/${reward.id}/approve`, {}), 200).status).toBe('in_review');
    expect(json(await frank.post(`/v1/rewards/${reward.id}/approve`, {}), 409).code).toBe('maker_checker');
    const done = json(await fiona.post(`/v1/rewards/${reward.id}/approve`, { note: 'Checked the $9,000' }), 200);
    expect(done.status).toBe('pending');
    expect(counted(done)).toEqual(['Fiona', 'Gina']);
  });

  it('does not count the adjuster’s own earlier approval, nor let them approve the new amount', async () => {
    const { reward } = await newClaim(t.owner);
    json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    json(await fiona.post(`/v1/rewards/${reward.id}/adjust`, { amount: 900_000, reason: 'Raise it' }), 200);
    expect(json(await gina.post(`/v1/rewards/${reward.id}/approve`, {}), 200).status).toBe('in_review');
    expect(json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 409).code).toBe('maker_checker');
    const list = json(await fiona.get('/v1/approvals?limit=100'), 200).items;
    const item = list.find((i: { reward: { id: string } }) => i.reward.id === reward.id);
    expect(item.canApprove).toBe(false);
    expect(item.blockers.join(' ')).toContain('changed its amount');
    const done = json(await frank.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    expect(done.status).toBe('pending');
    expect(counted(done)).toEqual(['Frank', 'Gina']);
    const detail = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(detail.makers).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Fiona', reason: 'amount_changed', round: 2 })]),
    );
  });

  it('is held by the database too: an amount change without a new round, or a maker’s approval, is refused', async () => {
    const { reward } = await newClaim(t.owner);
    const db = t.database.db;
    expect(
      await refusal(
        db.execute(sql`update rewards set amount = 1 where workspace_id = ${t.workspaceId} and id = ${reward.id}`),
      ),
    ).toMatch(/new review round/);
    const [maker] = (
      (await db.execute(
        sql`select maker_id from reward_makers where workspace_id = ${t.workspaceId} and reward_id = ${reward.id}`,
      )) as unknown as { rows: { maker_id: string }[] }
    ).rows;
    expect(maker?.maker_id).toMatch(/^key_/);
    expect(
      await refusal(
        db.execute(sql`insert into reward_approvals (workspace_id, id, reward_id, approver_id, approver_name,
          approver_role, kind, rules_version, round)
          values (${t.workspaceId}, 'apr_forged', ${reward.id}, ${maker?.maker_id}, 'Owner', 'owner', 'manual', 1, 1)`),
      ),
    ).toMatch(/maker-checker/);
    expect(
      await refusal(
        db.execute(sql`insert into reward_approvals (workspace_id, id, reward_id, approver_id, approver_name,
          approver_role, kind, rules_version, round)
          values (${t.workspaceId}, 'apr_stale', ${reward.id}, 'usr_someone', 'Someone', 'finance', 'manual', 1, 7)`),
      ),
    ).toMatch(/round 7/);
  });
});

describe('a partner exception makes its author a maker', () => {
  let t: TestApp;
  let fiona: Api;
  let frank: Api;
  let staff: Api;
  beforeAll(async () => {
    t = await startTestApp();
    fiona = await t.as('finance', 'Fiona');
    frank = await t.as('finance', 'Frank');
    staff = await t.as('staff', 'Sally');
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 2500, currency: 'USD' }), 200);
    json(await t.owner.put('/v1/program-rules', baseRules), 200);
  });
  afterAll(() => t.close());

  async function partnerClaim(exceptionBy: Api) {
    const partner = await newParticipant(t.owner, { name: 'Acme Partners', kind: 'partner' });
    const exception = json(
      await exceptionBy.post('/v1/partner-exceptions', {
        participantId: partner.id,
        amount: 250_000,
        reason: 'Special deal',
        expiresAt: '2027-01-01T00:00:00Z',
      }),
      201,
    );
    const customer = await newParticipant(staff);
    await newReferral(staff, partner.id, customer.id);
    const claim = json(
      await staff.post('/v1/conversions', {
        externalId: `deal-${customer.id}`,
        type: 'deal_won',
        referredId: customer.id,
        amount: 100_000,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    expect(claim.amount).toBe(250_000);
    const flag = claim.flags.find((f: { type: string }) => f.type === 'partner_exception');
    return { claim, flag, exception };
  }

  it('refuses the finance person who wrote the exception: neither clearing its flag nor approving', async () => {
    const { claim, flag } = await partnerClaim(fiona);
    expect(
      json(await fiona.post(`/v1/rewards/${claim.id}/flags/${flag.id}/resolve`, { reason: 'Matches the deal' }), 409)
        .code,
    ).toBe('maker_checker');
    json(await frank.post(`/v1/rewards/${claim.id}/flags/${flag.id}/resolve`, { reason: 'Matches the deal' }), 200);
    const refused = json(await fiona.post(`/v1/rewards/${claim.id}/approve`, {}), 409);
    expect(refused).toMatchObject({ code: 'maker_checker' });
    expect(refused.detail).toContain('partner exception');
    const gina = await t.as('finance', 'Gina');
    expect(json(await gina.post(`/v1/rewards/${claim.id}/approve`, {}), 200).status).toBe('pending');
  });

  it('still refuses them after they revoke the exception that set the amount', async () => {
    const { claim, flag, exception } = await partnerClaim(fiona);
    json(await fiona.post(`/v1/partner-exceptions/${exception.id}/revoke`), 200);
    json(await frank.post(`/v1/rewards/${claim.id}/flags/${flag.id}/resolve`, { reason: 'Checked' }), 200);
    expect(json(await fiona.post(`/v1/rewards/${claim.id}/approve`, {}), 409).code).toBe('maker_checker');
  });
});

describe('auto-approval never approves a claim made by the owner who turned it on', () => {
  let t: TestApp;
  let fiona: Api;
  beforeAll(async () => {
    t = await startTestApp();
    fiona = await t.as('finance', 'Fiona');
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 2500, currency: 'USD' }), 200);
  });
  afterAll(() => t.close());

  it('sends the opt-in author’s own claim to a person, at once and when the hold ends', async () => {
    json(
      await t.owner.put('/v1/program-rules', {
        ...baseRules,
        holdDays: 1,
        autoApproval: { enabled: true, maxAmount: 10_000 },
      }),
      200,
    );
    const { reward } = await newClaim(t.owner);
    expect(reward.status).toBe('in_review');
    t.clock.advance(25 * HOUR);
    expect(await autoApproveDueClaims(t.deps)).toBe(0);
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('in_review');
    expect(json(await t.owner.post(`/v1/rewards/${reward.id}/approve`, {}), 409).code).toBe('maker_checker');
    const approved = json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    expect(approved.approvals).toMatchObject([{ kind: 'manual', approverName: 'Fiona' }]);
  });

  it('approves a clean claim someone else made', async () => {
    json(
      await t.owner.put('/v1/program-rules', { ...baseRules, autoApproval: { enabled: true, maxAmount: 10_000 } }),
      200,
    );
    const { reward } = await newClaim(fiona);
    expect(reward.status).toBe('pending');
    expect(reward.approvals[0].kind).toBe('auto');
  });
});

describe('a second identity of the same person is still that person', () => {
  let t: TestApp;
  let frank: Api;
  beforeAll(async () => {
    t = await startTestApp();
    frank = await t.as('finance', 'Frank');
    await createTestUser(t, 'olivia@example.com', 'owner password 1', 'owner');
    await createTestUser(t, 'fiona@example.com', 'finance password 1', 'finance');
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 600_000, currency: 'USD' }), 200);
    json(await t.owner.put('/v1/program-rules', { ...baseRules, twoApproversAbove: 500_000 }), 200);
  });
  afterAll(() => t.close());

  /** The web app's session for a user, as an Api. */
  async function session(email: string, password: string): Promise<Api> {
    const response = await t.app.inject({ method: 'POST', url: '/v1/session', payload: { email, password } });
    const cookie = String(json(response, 200) && response.headers['set-cookie']).split(';')[0] ?? '';
    const headers = (extra: Record<string, string> = {}) => ({ cookie, origin: PUBLIC_URL, ...extra });
    return {
      key: cookie,
      get: (url) => t.app.inject({ method: 'GET', url, headers: headers() }),
      post: (url, body, extra) =>
        t.app.inject({
          method: 'POST',
          url,
          headers: headers(extra),
          ...(body === undefined ? {} : { payload: body as object }),
        }),
      put: (url, body) => t.app.inject({ method: 'PUT', url, headers: headers(), payload: body as object }),
      patch: (url, body) => t.app.inject({ method: 'PATCH', url, headers: headers(), payload: body as object }),
    };
  }

  const withKey = (key: string, path: string) =>
    t.app.inject({ method: 'POST', url: path, headers: { authorization: `Bearer ${key}` }, payload: {} });

  it('refuses an approval through a key the claim’s maker minted, or a key minted through it', async () => {
    const olivia = await session('olivia@example.com', 'owner password 1');
    const { reward } = await newClaim(olivia);
    const financeKey = json(await olivia.post('/v1/api-keys', { name: 'My finance key', role: 'finance' }), 201).key;
    expect(json(await withKey(financeKey, `/v1/rewards/${reward.id}/approve`), 409).code).toBe('maker_checker');
    const ownerKey = json(await olivia.post('/v1/api-keys', { name: 'My owner key', role: 'owner' }), 201).key;
    const nested = json(
      await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: { authorization: `Bearer ${ownerKey}` },
        payload: { name: 'Through my key', role: 'finance' },
      }),
      201,
    ).key;
    expect(json(await withKey(nested, `/v1/rewards/${reward.id}/approve`), 409).code).toBe('maker_checker');
    // Someone else approves it.
    expect(json(await frank.post(`/v1/rewards/${reward.id}/approve`, {}), 200).approvals).toHaveLength(1);
  });

  it('counts one person once towards two approvals, whichever credential they use', async () => {
    const olivia = await session('olivia@example.com', 'owner password 1');
    const fiona = await session('fiona@example.com', 'finance password 1');
    const { reward } = await newClaim(t.owner);
    expect(json(await olivia.post(`/v1/rewards/${reward.id}/approve`, {}), 200).status).toBe('in_review');
    const oliviasKey = json(await olivia.post('/v1/api-keys', { name: 'Olivia finance', role: 'finance' }), 201).key;
    expect(json(await withKey(oliviasKey, `/v1/rewards/${reward.id}/approve`), 409).code).toBe('already_approved');
    const done = json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    expect(done.status).toBe('pending');
    expect(counted(done)).toHaveLength(2);
    expect(done.approvals.map((a: { approverId: string }) => a.approverId)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^usr_/)]),
    );
  });
});

describe('auto-approval only approves claims exactly as the engine made them, under the opt-in in force', () => {
  let t: TestApp;
  let staff: Api;
  let frank: Api;
  let oscar: Api;
  const autoRules = { ...baseRules, holdDays: 1, autoApproval: { enabled: true, maxAmount: 10_000 } };
  beforeAll(async () => {
    t = await startTestApp();
    staff = await t.as('staff', 'Sally');
    frank = await t.as('finance', 'Frank');
    oscar = await t.as('owner', 'Oscar');
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 2500, currency: 'USD' }), 200);
  });
  afterAll(() => t.close());
  const afterHold = async () => {
    t.clock.advance(49 * HOUR);
    await autoApproveDueClaims(t.deps);
  };
  const statusOf = async (id: string) => json(await t.owner.get(`/v1/rewards/${id}`), 200).status;

  it('leaves a claim whose amount finance raised for a person', async () => {
    json(await t.owner.put('/v1/program-rules', autoRules), 200);
    const { reward } = await newClaim(staff);
    json(await frank.post(`/v1/rewards/${reward.id}/adjust`, { amount: 10_000, reason: 'Loyal customer' }), 200);
    await afterHold();
    expect(await statusOf(reward.id)).toBe('in_review');
  });

  it('leaves a late attribution (a referral recorded after the sale) for a person, however it is dated', async () => {
    json(await t.owner.put('/v1/program-rules', autoRules), 200);
    const friend = await newParticipant(staff);
    const carol = await newParticipant(t.owner, { name: 'Carol' });
    const sale = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'carol-sale',
        type: 'deal_won',
        referredId: carol.id,
        amount: 50_000,
        currency: 'USD',
      }),
      201,
    );
    expect(sale.outcome).toBe('no_referral');
    t.clock.advance(HOUR);
    await newReferral(staff, friend.id, carol.id, { referredAt: '2020-01-01T00:00:00Z' });
    const [claim] = json(await t.owner.get(`/v1/rewards?referredId=${carol.id}`), 200).items;
    await afterHold();
    expect(await statusOf(claim.id)).toBe('in_review');
  });

  it('stops when the owner turns it off, even for claims judged while it was on', async () => {
    json(await t.owner.put('/v1/program-rules', autoRules), 200);
    const { reward } = await newClaim(staff);
    json(await t.owner.put('/v1/program-rules', { ...autoRules, autoApproval: { enabled: false } }), 200);
    await afterHold();
    expect(await statusOf(reward.id)).toBe('in_review');
  });

  it('is signed by whoever last published the rules: a second owner cannot widen them in the first one’s name', async () => {
    const first = json(await t.owner.put('/v1/program-rules', { ...autoRules, twoApproversAbove: 2000 }), 200);
    const widened = json(await oscar.put('/v1/program-rules', autoRules), 200);
    expect(widened.autoApproval.enabledBy).not.toBe(first.autoApproval.enabledBy);
    const { reward } = await newClaim(oscar);
    await afterHold();
    // Oscar signed the opt-in he published, so his own claim goes to a person.
    expect(await statusOf(reward.id)).toBe('in_review');
  });
});

describe('an approval is of the claim the approver saw', () => {
  let t: TestApp;
  let f1: Api;
  let f2: Api;
  beforeAll(async () => {
    t = await startTestApp();
    f1 = await t.as('finance', 'Fay');
    f2 = await t.as('finance', 'Finn');
    json(await t.owner.put('/v1/program-rules', baseRules), 200);
  });
  afterAll(() => t.close());

  it('refuses an approval of a round that has since changed, saying what changed', async () => {
    const { reward } = await newClaim(t.owner);
    const seen = json(await f1.get('/v1/approvals?limit=100'), 200).items.find(
      (i: { reward: { id: string } }) => i.reward.id === reward.id,
    ).reward;
    json(await f2.post(`/v1/rewards/${reward.id}/adjust`, { amount: 499_999, reason: 'Just under the line' }), 200);
    const refused = json(
      await f1.post(`/v1/rewards/${reward.id}/approve`, { note: 'Clean', reviewRound: seen.reviewRound }),
      409,
    );
    expect(refused).toMatchObject({ code: 'stale_review', field: 'reviewRound', reviewRound: 2 });
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('in_review');
    expect(json(await f1.post(`/v1/rewards/${reward.id}/approve`, { reviewRound: 2 }), 200).status).toBe('pending');
  });

  it('makes whoever recorded the referral a maker: they chose the payee', async () => {
    const referrer = await newParticipant(t.owner);
    const customer = await newParticipant(t.owner);
    await newReferral(f1, referrer.id, customer.id);
    const claim = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'deal-attributed',
        type: 'deal_won',
        referredId: customer.id,
        amount: 100_000,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    const refused = json(await f1.post(`/v1/rewards/${claim.id}/approve`, {}), 409);
    expect(refused.detail).toContain('recorded the referral');
    expect(json(await f2.post(`/v1/rewards/${claim.id}/approve`, {}), 200).status).toBe('pending');
  });
});

describe('a key is never a new person', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 600_000, currency: 'USD' }), 200);
    json(await t.owner.put('/v1/program-rules', { ...baseRules, twoApproversAbove: 500_000 }), 200);
  });
  afterAll(() => t.close());

  const approveWith = (key: string, id: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/rewards/${id}/approve`,
      headers: { authorization: `Bearer ${key}` },
      payload: {},
    });

  it('refuses two sign-offs from keys one key holder minted for themselves', async () => {
    const { reward } = await newClaim(t.owner);
    const k2 = json(await t.owner.post('/v1/api-keys', { name: 'K2', role: 'finance' }), 201);
    const k3 = json(await t.owner.post('/v1/api-keys', { name: 'K3', role: 'finance' }), 201);
    // Both act for the owner key's holder, who made the claim.
    expect(k2.actsFor).toBe(k3.actsFor);
    expect(json(await approveWith(k2.key, reward.id), 409).code).toBe('maker_checker');
    expect(json(await approveWith(k3.key, reward.id), 409).code).toBe('maker_checker');
  });

  it('lets a key made for another person act for that person, and dies with their account', async () => {
    const fiona = await createTestUser(t, 'fiona@example.com', 'finance password 1', 'finance');
    const gina = await createTestUser(t, 'gina@example.com', 'finance password 2', 'finance');
    const fionaKey = json(
      await t.owner.post('/v1/api-keys', { name: 'Fiona', role: 'finance', userId: fiona.id }),
      201,
    );
    expect(fionaKey.actsFor).toBe(fiona.id);
    const ginaKey = json(await t.owner.post('/v1/api-keys', { name: 'Gina', role: 'finance', userId: gina.id }), 201);
    const { reward } = await newClaim(t.owner);
    expect(json(await approveWith(fionaKey.key, reward.id), 200).status).toBe('in_review');
    // A disabled user's keys stop working at once, in this process and the key cache.
    json(await t.owner.post(`/v1/users/${fiona.id}/disable`), 200);
    const me = await t.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${fionaKey.key}` },
    });
    expect(me.statusCode).toBe(401);
    expect(json(await approveWith(ginaKey.key, reward.id), 200).status).toBe('pending');
    expect(
      json(await t.owner.post('/v1/api-keys', { name: 'For a ghost', role: 'finance', userId: fiona.id }), 404).field,
    ).toBe('userId');
  });

  it('never mints a key that can do more than the person it acts for (an owner cannot make a viewer an approver)', async () => {
    const vic = await createTestUser(t, 'vic@example.com', 'viewer password 1', 'viewer');
    for (const role of ['finance', 'owner', 'staff']) {
      const refused = json(await t.owner.post('/v1/api-keys', { name: `Vic as ${role}`, role, userId: vic.id }), 403);
      expect(refused.field).toBe('role');
    }
    const { reward } = await newClaim(t.owner);
    const before = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(before.approvals).toEqual([]);
    // What Vic's own key may be: a viewer, who approves nothing.
    const vicKey = json(await t.owner.post('/v1/api-keys', { name: 'Vic', role: 'viewer', userId: vic.id }), 201);
    expect((await approveWith(vicKey.key, reward.id)).statusCode).toBe(403);
  });
});

describe('a dispute cannot move a failed reward to another referrer behind its approval', () => {
  let t: TestApp;
  let fiona: Api;
  let frank: Api;
  beforeAll(async () => {
    t = await startTestApp();
    fiona = await t.as('finance', 'Fiona');
    frank = await t.as('finance', 'Frank');
  });
  afterAll(() => t.close());

  it('refuses to decide for the other referrer while the fulfilment has failed', async () => {
    const { reward, referred } = await newClaim(t.owner);
    json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-failed`, { reason: 'Gift card vendor down' }), 200);
    const rival = await newParticipant(t.owner, { name: 'Rival' });
    await newReferral(t.owner, rival.id, referred.id);
    const [dispute] = json(await t.owner.get('/v1/disputes?status=open'), 200).items;
    const rivalReferral = dispute.competing.find((c: { referrer: { name: string } }) => c.referrer.name === 'Rival');
    const refused = json(
      await frank.post(`/v1/disputes/${dispute.id}/resolve`, {
        winningReferralId: rivalReferral.referralId,
        reason: 'Rival brought them',
      }),
      409,
    );
    expect(refused.detail).toContain('payee cannot change now');
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('failed');
  });
});

describe('changing where a reward goes sends it back to review', () => {
  let t: TestApp;
  let fiona: Api;
  let staff: Api;
  beforeAll(async () => {
    t = await startTestApp();
    fiona = await t.as('finance', 'Fiona');
    staff = await t.as('staff', 'Sally');
  });
  afterAll(() => t.close());

  it('reopens an approved claim when staff change the referrer’s email, and makes them a maker', async () => {
    const { reward, referrer } = await newClaim(t.owner);
    json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    json(await staff.patch(`/v1/participants/${referrer.id}`, { email: 'staff+giftcards@evil.example' }), 200);
    const after = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(after).toMatchObject({ status: 'in_review', reviewRound: 2 });
    expect(after.makers).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Sally', reason: 'payee_changed' })]),
    );
    expect(json(await staff.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 409).code).toBe('invalid_transition');
  });

  it('checks the claim again: a referrer turned employee is no longer eligible', async () => {
    const { reward, referrer } = await newClaim(t.owner);
    json(await staff.patch(`/v1/participants/${referrer.id}`, { kind: 'employee' }), 200);
    const after = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(after.recommendation).toBe('ineligible');
    // Consent changes are not payout details: nothing reopens.
    const other = await newClaim(t.owner);
    json(await fiona.post(`/v1/rewards/${other.reward.id}/approve`, {}), 200);
    json(await staff.patch(`/v1/participants/${other.referrer.id}`, { emailMarketingConsent: true }), 200);
    expect(json(await t.owner.get(`/v1/rewards/${other.reward.id}`), 200).status).toBe('pending');
  });
});

describe('what the final review found', () => {
  let t: TestApp;
  let fiona: Api;
  let frank: Api;
  let staff: Api;
  beforeAll(async () => {
    t = await startTestApp();
    fiona = await t.as('finance', 'Fiona');
    frank = await t.as('finance', 'Frank');
    staff = await t.as('staff', 'Sally');
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 2500, currency: 'USD' }), 200);
  });
  afterAll(() => t.close());

  it('keeps auto-approving behind claims it refuses (the scheduler pages past them)', async () => {
    json(
      await t.owner.put('/v1/program-rules', {
        ...baseRules,
        holdDays: 1,
        autoApproval: { enabled: true, maxAmount: 10_000 },
      }),
      200,
    );
    // The owner's own claims are refused by the decision but pass the query's filter: first in line.
    const refused = [(await newClaim(t.owner)).reward, (await newClaim(t.owner)).reward];
    t.clock.advance(HOUR);
    const clean = (await newClaim(staff)).reward;
    t.clock.advance(25 * HOUR);
    expect(await autoApproveDueClaims(t.deps, { pageSize: 1 })).toBe(1);
    expect(json(await t.owner.get(`/v1/rewards/${clean.id}`), 200).status).toBe('pending');
    for (const reward of refused)
      expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('in_review');
    json(await t.owner.put('/v1/program-rules', baseRules), 200);
  });

  it('does not let a maker clear a claim’s flags by deciding its dispute', async () => {
    const customer = await newParticipant(t.owner);
    const first = await newParticipant(t.owner, { name: 'First' });
    const mine = await newParticipant(t.owner, { name: 'Fiona’s pick' });
    await newReferral(staff, first.id, customer.id);
    await newReferral(fiona, mine.id, customer.id);
    json(
      await staff.post('/v1/conversions', {
        externalId: 'contested',
        type: 'deal_won',
        referredId: customer.id,
        amount: 100_000,
        currency: 'USD',
      }),
      201,
    );
    const [dispute] = json(await t.owner.get('/v1/disputes?status=open'), 200).items;
    const pick = dispute.competing.find((c: { referrer: { name: string } }) => c.referrer.name === 'Fiona’s pick');
    // Fiona recorded a competing referral: she is a maker of the claim, so she may not decide.
    const refused = json(
      await fiona.post(`/v1/disputes/${dispute.id}/resolve`, { winningReferralId: pick.referralId, reason: 'Mine' }),
      409,
    );
    expect(refused.code).toBe('maker_checker');
    json(
      await frank.post(`/v1/disputes/${dispute.id}/resolve`, { winningReferralId: pick.referralId, reason: 'Checked' }),
      200,
    );
  });

  it('refuses new payout details while a failed fulfilment still holds its approval', async () => {
    const { reward, referrer } = await newClaim(t.owner);
    json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    json(await staff.post(`/v1/rewards/${reward.id}/mark-failed`, { reason: 'Vendor down' }), 200);
    const refused = json(await staff.patch(`/v1/participants/${referrer.id}`, { email: 'new@evil.example' }), 409);
    expect(refused.detail).toContain('fulfilment failed');
    expect(json(await t.owner.get(`/v1/participants/${referrer.id}`), 200).email).not.toBe('new@evil.example');
  });
});
