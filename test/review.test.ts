import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoApproveDueClaims } from '../src/scheduler.js';
import { type Api, json, newClaim, newParticipant, newReferral, startTestApp, type TestApp } from './support/app.js';

const DAY = 86_400_000;
const baseRules = {
  qualifyingTypes: ['deal_won', 'invoice_paid'],
  allowedReferrerKinds: ['customer', 'partner'],
  termsText: 'One reward per referred customer.',
  termsVersion: '2026-03',
};

describe('program rules', () => {
  let t: TestApp;
  let finance: Api;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance');
  });
  afterAll(() => t.close());

  it('start with defaults that let a new workspace work at once', async () => {
    const rules = json(await t.owner.get('/v1/program-rules'), 200);
    expect(rules).toMatchObject({
      version: 1,
      holdDays: 0,
      allowedReferrerKinds: ['customer', 'partner'],
      capPerMonth: null,
      capLifetime: null,
      autoApproval: { enabled: false },
    });
  });

  it('are versioned, and a claim records the version that judged it', async () => {
    const v2 = json(await t.owner.put('/v1/program-rules', { ...baseRules, holdDays: 14 }), 200);
    expect(v2.version).toBe(2);
    const { reward } = await newClaim(t.owner);
    expect(reward.rulesVersion).toBe(2);
    expect(reward.termsVersion).toBe('2026-03');
    expect(reward.holdUntil).toBe(new Date(t.clock.now().getTime() + 14 * DAY).toISOString());
  });

  it('hold approval until the hold period has passed', async () => {
    const { reward } = await newClaim(t.owner);
    const early = json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 409);
    expect(early).toMatchObject({ code: 'hold_period_active', holdUntil: reward.holdUntil });
    t.clock.advance(14 * DAY + 1000);
    expect(json(await finance.post(`/v1/rewards/${reward.id}/approve`, {}), 200).status).toBe('pending');
  });

  it('make employees and capped referrers ineligible, with the reason', async () => {
    json(await t.owner.put('/v1/program-rules', { ...baseRules, capLifetime: 1 }), 200);
    const employee = await newClaim(t.owner, { referrer: { kind: 'employee' } });
    expect(employee.reward.recommendation).toBe('ineligible');
    const referrerCheck = json(await t.owner.get(`/v1/rewards/${employee.reward.id}`), 200).checks.find(
      (c: { check: string }) => c.check === 'referrer_eligible',
    );
    expect(referrerCheck.reason).toContain('employees may not refer');

    const referrer = await newParticipant(t.owner);
    const [a, b] = [await newParticipant(t.owner), await newParticipant(t.owner)];
    await newReferral(t.owner, referrer.id, a.id);
    await newReferral(t.owner, referrer.id, b.id);
    const first = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'cap-1',
        type: 'deal_won',
        referredId: a.id,
        amount: 100,
        currency: 'USD',
      }),
      201,
    );
    const second = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'cap-2',
        type: 'deal_won',
        referredId: b.id,
        amount: 100,
        currency: 'USD',
      }),
      201,
    );
    expect(first.rewards[0].recommendation).toBe('eligible');
    expect(second.rewards[0].recommendation).toBe('ineligible');
    // An ineligible claim can still be approved, but only with a note saying why.
    expect(json(await finance.post(`/v1/rewards/${second.rewards[0].id}/approve`, {}), 422).field).toBe('note');
  });

  it('create no claim for a type that does not qualify, or below the minimum', async () => {
    json(
      await t.owner.put('/v1/program-rules', {
        ...baseRules,
        qualifyingTypes: ['invoice_paid'],
        minAmount: 50_000,
        currency: 'USD',
      }),
      200,
    );
    const referrer = await newParticipant(t.owner);
    const customer = await newParticipant(t.owner);
    await newReferral(t.owner, referrer.id, customer.id);
    const won = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'q-1',
        type: 'deal_won',
        referredId: customer.id,
        amount: 90_000,
        currency: 'USD',
      }),
      201,
    );
    expect(won).toMatchObject({ outcome: 'not_qualifying', rewards: [] });
    const small = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'q-2',
        type: 'invoice_paid',
        referredId: customer.id,
        amount: 10_000,
        currency: 'USD',
      }),
      201,
    );
    expect(small.outcome).toBe('below_minimum');
    const paid = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'q-3',
        type: 'invoice_paid',
        referredId: customer.id,
        amount: 90_000,
        currency: 'USD',
      }),
      201,
    );
    expect(paid.outcome).toBe('reward_created');
  });
});

describe('approval', () => {
  let t: TestApp;
  let fiona: Api;
  let frank: Api;
  let staff: Api;
  beforeAll(async () => {
    t = await startTestApp();
    fiona = await t.as('finance', 'Fiona');
    frank = await t.as('finance', 'Frank');
    staff = await t.as('staff', 'Sally');
  });
  afterAll(() => t.close());

  it('needs every flag resolved first, and a flag stays on the claim, resolved with its reason', async () => {
    const referrer = await newParticipant(t.owner, { phone: '+14155550100' });
    const referred = await newParticipant(t.owner, { phone: '(415) 555-0100' });
    await newReferral(t.owner, referrer.id, referred.id);
    const reward = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'self-1',
        type: 'deal_won',
        referredId: referred.id,
        amount: 100,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    expect(reward.recommendation).toBe('needs_review');
    expect(reward.flags.map((f: { type: string }) => f.type)).toEqual(['self_referral']);
    expect(reward.fraudScore).toBe(50);
    const refused = json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 409);
    expect(refused).toMatchObject({ code: 'flags_unresolved' });
    expect(
      json(await staff.post(`/v1/rewards/${reward.id}/flags/${reward.flags[0].id}/resolve`, { reason: 'x' }), 403).code,
    ).toBe('forbidden');
    const resolved = json(
      await fiona.post(`/v1/rewards/${reward.id}/flags/${reward.flags[0].id}/resolve`, {
        reason: 'Spouses sharing a phone; checked on a call',
      }),
      200,
    );
    expect(resolved.flags[0]).toMatchObject({
      resolved: true,
      resolvedBy: 'Fiona',
      resolution: 'Spouses sharing a phone; checked on a call',
    });
    expect(
      json(await fiona.post(`/v1/rewards/${reward.id}/flags/${reward.flags[0].id}/resolve`, { reason: 'again' }), 409)
        .code,
    ).toBe('invalid_transition');
    expect(json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 200).status).toBe('pending');
  });

  it('refuses the maker of a claim, and whoever changed its amount', async () => {
    const { reward } = await newClaim(fiona);
    expect(json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 409).code).toBe('maker_checker');
    const adjusted = json(
      await frank.post(`/v1/rewards/${reward.id}/adjust`, { amount: 1500, reason: 'Agreed goodwill amount' }),
      200,
    );
    expect(adjusted.amount).toBe(1500);
    expect(adjusted.calculation).toContain('adjusted to 1500 USD by Frank');
    expect(json(await frank.post(`/v1/rewards/${reward.id}/approve`, {}), 409).code).toBe('maker_checker');
    expect(json(await t.owner.post(`/v1/rewards/${reward.id}/approve`, {}), 200).status).toBe('pending');
  });

  it('sends an approved claim back to review when its amount changes', async () => {
    const { reward } = await newClaim(t.owner);
    json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    const adjusted = json(
      await frank.post(`/v1/rewards/${reward.id}/adjust`, { amount: 999, reason: 'Typo in the deal' }),
      200,
    );
    expect(adjusted).toMatchObject({ status: 'in_review', approvedAt: null });
    expect(json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 409).code).toBe('invalid_transition');
    expect(json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 200).status).toBe('pending');
  });

  it('needs two different approvers above the threshold', async () => {
    json(await t.owner.put('/v1/program-rules', { ...baseRules, twoApproversAbove: 2000, currency: 'USD' }), 200);
    const { reward } = await newClaim(t.owner);
    expect(reward.approvalsRequired).toBe(2);
    const first = json(await fiona.post(`/v1/rewards/${reward.id}/approve`, { note: 'Looks right' }), 200);
    expect(first).toMatchObject({ status: 'in_review', approvals: [{ approverName: 'Fiona' }] });
    expect(json(await fiona.post(`/v1/rewards/${reward.id}/approve`, {}), 409).code).toBe('already_approved');
    const second = json(await frank.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    expect(second.status).toBe('pending');
    const detail = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(detail.history.map((e: { action: string }) => e.action)).toContain('reward.approval_recorded');
    json(await t.owner.put('/v1/program-rules', baseRules), 200);
  });

  it('marks only approved rewards sent', async () => {
    const { reward } = await newClaim(t.owner);
    const refused = json(await staff.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 409);
    expect(refused.detail).toContain('must be approved first');
  });

  it('auto-approves clean claims under the owner’s limit, with the owner’s opt-in as the record', async () => {
    const rules = json(
      await t.owner.put('/v1/program-rules', {
        ...baseRules,
        autoApproval: { enabled: true, maxAmount: 3000 },
        currency: 'USD',
      }),
      200,
    );
    expect(rules.autoApproval.enabledBy).toMatch(/^key_/);
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 2500, currency: 'USD' }), 200);
    const clean = (await newClaim(staff)).reward;
    expect(clean.status).toBe('pending');
    expect(clean.approvals[0]).toMatchObject({
      kind: 'auto',
      approverId: rules.autoApproval.enabledBy,
      rulesVersion: rules.version,
    });

    const referrer = await newParticipant(staff);
    const throwaway = await newParticipant(staff, { email: 'lead@mailinator.com' });
    await newReferral(staff, referrer.id, throwaway.id);
    const flagged = json(
      await staff.post('/v1/conversions', {
        externalId: 'auto-flagged',
        type: 'deal_won',
        referredId: throwaway.id,
        amount: 1,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    expect(flagged.flags.map((f: { type: string }) => f.type)).toEqual(['disposable_email']);
    expect(flagged.status).toBe('in_review');
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 5000, currency: 'USD' }), 200);
    const large = (await newClaim(staff)).reward;
    expect(large.status).toBe('in_review');
    json(await t.owner.put('/v1/program-rules', baseRules), 200);
  });

  it('auto-approves a clean claim when its hold period ends (the scheduler)', async () => {
    json(
      await t.owner.put('/v1/program-rules', {
        ...baseRules,
        holdDays: 7,
        autoApproval: { enabled: true, maxAmount: 10_000 },
        currency: 'USD',
      }),
      200,
    );
    const { reward } = await newClaim(staff);
    expect(reward.status).toBe('in_review');
    expect(await autoApproveDueClaims(t.deps)).toBe(0);
    t.clock.advance(7 * DAY + 1);
    expect(await autoApproveDueClaims(t.deps)).toBeGreaterThanOrEqual(1);
    const after = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(after.status).toBe('pending');
    expect(after.approvals[0].kind).toBe('auto');
    json(await t.owner.put('/v1/program-rules', baseRules), 200);
  });

  it('lists what waits for finance, oldest first, with what blocks the caller', async () => {
    const list = json(await fiona.get('/v1/approvals?limit=100'), 200);
    expect(list.items.length).toBeGreaterThan(0);
    const created = list.items.map((i: { reward: { createdAt: string } }) => i.reward.createdAt);
    expect([...created].sort()).toEqual(created);
    for (const item of list.items) {
      expect(item.reward.status).toBe('in_review');
      expect(item.checks.length).toBeGreaterThanOrEqual(8);
      expect(item.canApprove).toBe(item.blockers.length === 0);
    }
    expect(json(await staff.get('/v1/approvals'), 403).code).toBe('forbidden');
  });
});

describe('refunds and chargebacks', () => {
  let t: TestApp;
  let finance: Api;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance');
  });
  afterAll(() => t.close());

  const refund = (api: Api, externalId: string, original: { externalId: string; amount: number }, type = 'refund') =>
    api.post('/v1/conversions', {
      externalId,
      type,
      originalExternalId: original.externalId,
      amount: original.amount,
      currency: 'USD',
    });

  it('void a claim that was not sent yet', async () => {
    const { reward, result } = await newClaim(t.owner);
    const answer = json(await refund(t.owner, 'r-void', result.conversion), 201);
    expect(answer).toMatchObject({ outcome: 'reversal_applied', rewards: [{ id: reward.id, status: 'reversed' }] });
    expect(answer.rewards[0].closedReason).toContain('voided before payment');
  });

  it('create a recovery task for a gift card already sent, and a clawback for commission', async () => {
    const gift = await newClaim(t.owner);
    json(await finance.post(`/v1/rewards/${gift.reward.id}/approve`, {}), 200);
    json(await t.owner.post(`/v1/rewards/${gift.reward.id}/mark-sent`, {}), 200);
    json(await refund(t.owner, 'r-gift', gift.result.conversion, 'chargeback'), 201);

    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'commission_share',
        commissionRateBps: 1000,
        currency: 'USD',
      }),
      200,
    );
    const commission = await newClaim(t.owner, { conversion: { amount: 50_000 } });
    json(await finance.post(`/v1/rewards/${commission.reward.id}/approve`, {}), 200);
    json(await t.owner.post(`/v1/rewards/${commission.reward.id}/mark-sent`, {}), 200);
    json(await refund(t.owner, 'r-comm', commission.result.conversion), 201);

    const tasks = json(await t.owner.get('/v1/recovery-tasks?status=open'), 200).items;
    const byReward = Object.fromEntries(tasks.map((task: { rewardId: string }) => [task.rewardId, task]));
    expect(byReward[gift.reward.id]).toMatchObject({ kind: 'recovery', amount: 2500, status: 'open' });
    expect(byReward[commission.reward.id]).toMatchObject({ kind: 'clawback', amount: 5000 });
    expect(json(await t.owner.get(`/v1/rewards/${gift.reward.id}`), 200).status).toBe('reversed');
    const closed = json(
      await finance.post(`/v1/recovery-tasks/${byReward[gift.reward.id].id}/resolve`, {
        status: 'waived',
        note: 'Card already spent; written off',
      }),
      200,
    );
    expect(closed.status).toBe('waived');
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 2500, currency: 'USD' }), 200);
  });

  it('keep a refund that arrives before its conversion and apply it when the conversion arrives', async () => {
    const referrer = await newParticipant(t.owner);
    const customer = await newParticipant(t.owner);
    await newReferral(t.owner, referrer.id, customer.id);
    const early = json(await refund(t.owner, 'r-early', { externalId: 'late-sale', amount: 7000 }), 201);
    expect(early.outcome).toBe('reversal_pending');
    const sale = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'late-sale',
        type: 'deal_won',
        referredId: customer.id,
        amount: 7000,
        currency: 'USD',
      }),
      201,
    );
    expect(sale.rewards[0].status).toBe('reversed');
  });

  it('flag a partial refund for a person to decide', async () => {
    const { reward, result } = await newClaim(t.owner);
    json(
      await t.owner.post('/v1/conversions', {
        externalId: 'r-part',
        type: 'refund',
        originalExternalId: result.conversion.externalId,
        amount: 10_000,
        currency: 'USD',
      }),
      201,
    );
    const after = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(after.status).toBe('in_review');
    expect(after.flags.map((f: { type: string }) => f.type)).toContain('refunded');
  });
});

/**
 * The seeds' scenario: a referred client signs, two referrers claim the credit, and one of them is
 * a partner with a different commission. The duplicate is flagged, both referrals' evidence is
 * shown, and the payout decision waits for finance.
 */
describe('two referrers, one of them a partner with a different commission', () => {
  let t: TestApp;
  let fiona: Api;
  let frank: Api;
  let staff: Api;
  beforeAll(async () => {
    t = await startTestApp();
    fiona = await t.as('finance', 'Fiona');
    frank = await t.as('finance', 'Frank');
    staff = await t.as('staff', 'Sally');
  });
  afterAll(() => t.close());

  it('flags the duplicate, shows both referrals’ evidence, and waits for finance', async () => {
    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'commission_share',
        commissionRateBps: 1000,
        currency: 'USD',
      }),
      200,
    );
    const jessica = await newParticipant(t.owner, { name: 'Jessica Alvarez' });
    const acme = await newParticipant(t.owner, { name: 'Acme Partners', kind: 'partner' });
    json(
      await t.owner.post('/v1/partner-exceptions', {
        participantId: acme.id,
        commissionRateBps: 2000,
        owner: 'Olivia (program owner)',
        reason: 'Strategic partner: 20% agreed in the 2026 contract',
        expiresAt: '2026-12-31T23:59:59Z',
      }),
      201,
    );
    // The partner's W-9 is on file: a 2,000 USD commission to them is not held for a tax form.
    json(
      await t.owner.put(`/v1/participants/${acme.id}/tax-form`, { type: 'W-9', receivedAt: '2026-01-15T00:00:00Z' }),
      200,
    );
    const client = await newParticipant(t.owner, { name: 'Casey Client', externalId: 'crm-casey' });
    t.clock.advance(1000);
    await newReferral(staff, jessica.id, client.id, {
      evidence: { note: 'Casey said Jessica recommended us at a dinner' },
    });
    t.clock.advance(1000);
    await newReferral(staff, acme.id, client.id, {
      source: 'link',
      evidence: {
        note: 'Came in through the Acme partner page',
        ip: '198.51.100.7',
        url: 'https://acme.example/partners',
      },
    });

    const signed = json(
      await staff.post('/v1/conversions', {
        externalId: 'contract-88',
        source: 'crm',
        type: 'deal_won',
        referredExternalId: 'crm-casey',
        amount: 1_000_000,
        currency: 'USD',
      }),
      201,
    );
    const claim = signed.rewards[0];
    // First touch is the provisional payee; the credit is disputed, so nothing can be paid yet.
    expect(claim).toMatchObject({
      status: 'in_review',
      recommendation: 'needs_review',
      referrer: { name: 'Jessica Alvarez' },
      amount: 100_000,
    });
    expect(claim.flags.map((f: { type: string }) => f.type).sort()).toEqual([
      'disputed_attribution',
      'duplicate_claim',
    ]);

    const detail = json(await t.owner.get(`/v1/rewards/${claim.id}`), 200);
    const dispute = json(await t.owner.get(`/v1/disputes/${detail.disputeId}`), 200);
    expect(dispute.status).toBe('open');
    expect(dispute.competing.map((c: { referrer: { name: string } }) => c.referrer.name)).toEqual([
      'Jessica Alvarez',
      'Acme Partners',
    ]);
    expect(dispute.competing[0].evidence.note).toContain('dinner');
    expect(dispute.competing[1]).toMatchObject({
      source: 'link',
      evidence: { ip: '198.51.100.7' },
      referrer: { kind: 'partner' },
    });

    // The decision waits for finance: staff can neither resolve the dispute nor approve.
    expect(
      json(
        await staff.post(`/v1/disputes/${dispute.id}/resolve`, {
          winningReferralId: dispute.competing[1].referralId,
          reason: 'x',
        }),
        403,
      ).code,
    ).toBe('forbidden');
    expect(json(await fiona.post(`/v1/rewards/${claim.id}/approve`, {}), 409).code).toBe('flags_unresolved');
    const flag = detail.flags.find((f: { type: string }) => f.type === 'disputed_attribution');
    expect(json(await fiona.post(`/v1/rewards/${claim.id}/flags/${flag.id}/resolve`, { reason: 'x' }), 409).code).toBe(
      'dispute_open',
    );
    const waiting = json(await fiona.get('/v1/approvals'), 200).items.find(
      (i: { reward: { id: string } }) => i.reward.id === claim.id,
    );
    expect(waiting.canApprove).toBe(false);

    // Finance decides: the partner brought the client in. The claim moves to Acme at 20%.
    const resolved = json(
      await fiona.post(`/v1/disputes/${dispute.id}/resolve`, {
        winningReferralId: dispute.competing[1].referralId,
        reason: 'The signed contract names Acme as the introducing partner',
      }),
      200,
    );
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'Fiona' });
    const after = json(await t.owner.get(`/v1/rewards/${claim.id}`), 200);
    expect(after.referrer.name).toBe('Acme Partners');
    expect(after.amount).toBe(200_000);
    expect(after.calculation).toContain('partner exception');
    const open = after.flags.filter((f: { resolved: boolean }) => !f.resolved).map((f: { type: string }) => f.type);
    expect(open).toEqual(['partner_exception']);
    expect(after.flags.find((f: { type: string }) => f.type === 'duplicate_claim').resolution).toContain(
      'Acme Partners wins',
    );

    // Fiona changed the payee, so she may not approve; Frank confirms the exception and approves.
    const partnerFlag = after.flags.find((f: { type: string }) => f.type === 'partner_exception');
    json(
      await frank.post(`/v1/rewards/${claim.id}/flags/${partnerFlag.id}/resolve`, {
        reason: '20% matches the contract',
      }),
      200,
    );
    expect(json(await fiona.post(`/v1/rewards/${claim.id}/approve`, {}), 409).code).toBe('maker_checker');
    expect(json(await frank.post(`/v1/rewards/${claim.id}/approve`, {}), 200).status).toBe('pending');
    json(await staff.post(`/v1/rewards/${claim.id}/mark-sent`, { reference: 'WIRE-2026-118' }), 200);

    const report = json(await t.owner.get('/v1/reports/eligibility-accuracy'), 200);
    expect(report).toMatchObject({ rewardsSent: 1, complete: 1, accuracyPercent: 100, incomplete: [] });
  });
});
