import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoApproveDueClaims } from '../src/scheduler.js';
import { type Api, json, newParticipant, newReferral, startTestApp, type TestApp } from './support/app.js';

/**
 * Richer policy (issue "growth loop"): a double-sided program rewards the referred person too,
 * and milestone bonuses reward a referrer once their converted referrals reach a number. Each is
 * a claim of its own, through the same checks, approvals, payouts and reversals.
 */
describe('double-sided rewards and milestone bonuses', () => {
  let t: TestApp;
  let finance: Api;
  let sale = 0;

  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance', 'Fran Finance');
    json(
      await t.owner.put('/v1/program-rules', {
        qualifyingTypes: ['deal_won', 'invoice_paid'],
        allowedReferrerKinds: ['customer', 'partner'],
        termsText: 'One reward per referred customer.',
        termsVersion: '2026-03',
        currency: 'USD',
      }),
      200,
    );
  });
  afterAll(() => t.close());

  const setPolicy = (extra: Record<string, unknown>) =>
    t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 5000, currency: 'USD', ...extra });

  /** A new customer referred by `referrer` buys: the conversion's answer. */
  async function referredSale(referrer: { id: string }, overrides: Record<string, unknown> = {}) {
    const customer = await newParticipant(t.owner, { emailMarketingConsent: true });
    await newReferral(t.owner, referrer.id, customer.id);
    const result = json(
      await t.owner.post('/v1/conversions', {
        externalId: `ds-sale-${++sale}`,
        type: 'deal_won',
        referredId: customer.id,
        amount: 100_000,
        currency: 'USD',
        ...overrides,
      }),
      201,
    );
    return {
      customer,
      result,
      byKind: (kind: string) => result.rewards.filter((r: { kind: string }) => r.kind === kind),
    };
  }

  it('refuses a policy whose bonuses or referred reward cannot be paid, naming the field', async () => {
    const before = json(await t.owner.get('/v1/reward-policy'), 200);
    const cases: [Record<string, unknown>, string][] = [
      [
        {
          milestones: [
            { atReferral: 5, amount: 1000 },
            { atReferral: 3, amount: 1000 },
          ],
        },
        'milestones.1.atReferral',
      ],
      [{ milestones: [{ atReferral: 5, amount: 0 }] }, 'milestones.0.amount'],
      [
        { rewardType: 'commission_share', commissionRateBps: 1000, milestones: [{ atReferral: 5, amount: 1000 }] },
        'milestones.0.rewardType',
      ],
      [{ referredReward: { rewardType: 'custom', when: 'conversion' } }, 'referredReward.description'],
      [{ referredReward: { rewardType: 'account_credit', amount: 0, when: 'conversion' } }, 'referredReward.amount'],
      [
        { referredReward: { rewardType: 'commission_share', amount: 100, when: 'conversion' } },
        'referredReward.rewardType',
      ],
      [{ referredReward: { rewardType: 'gift_card', amount: 100, when: 'someday' } }, 'referredReward.when'],
    ];
    for (const [body, field] of cases) {
      const response = await setPolicy(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(JSON.stringify(JSON.parse(response.body))).toContain(field);
    }
    // Nothing was written.
    expect(json(await t.owner.get('/v1/reward-policy'), 200).version).toBe(before.version);
  });

  it('pays the referred person beside the referrer, and a bonus once at each milestone', async () => {
    const policy = json(
      await setPolicy({
        referredReward: { rewardType: 'account_credit', amount: 2000, when: 'conversion' },
        milestones: [
          { atReferral: 2, amount: 10_000, description: 'Second friend' },
          { atReferral: 3, amount: 20_000 },
        ],
      }),
      200,
    );
    expect(policy.summary).toBe(
      'Gift card, 50.00 USD; a 100.00 USD bonus at the 2nd referral; a 200.00 USD bonus at the 3rd referral; the referred person gets a 20.00 USD account credit when they buy',
    );
    const maria = await newParticipant(t.owner, { name: 'Maria Lopez', emailMarketingConsent: true });

    const first = await referredSale(maria);
    expect(first.result.outcome).toBe('reward_created');
    const [claim] = first.byKind('referral');
    const [own] = first.byKind('referred');
    expect(first.byKind('milestone')).toEqual([]);
    expect(claim).toMatchObject({ payeeId: maria.id, amount: 5000, ordinal: 1, sourceRewardId: null });
    expect(own).toMatchObject({
      kind: 'referred',
      payeeId: first.customer.id,
      referrer: { id: maria.id },
      referred: { id: first.customer.id },
      rewardType: 'account_credit',
      amount: 2000,
      summary: 'A 20.00 USD account credit',
      sourceRewardId: claim.id,
      status: 'in_review',
      recommendation: claim.recommendation,
    });
    // Judged on the same facts: the same checks, with the tax check about the referred person.
    const names = async (id: string) =>
      json(await t.owner.get(`/v1/rewards/${id}`), 200).checks.map((c: { check: string }) => c.check);
    expect(await names(own.id)).toEqual(await names(claim.id));

    const second = await referredSale(maria);
    const [claim2] = second.byKind('referral');
    const [bonus2] = second.byKind('milestone');
    // The referred reward and the bonus never count toward the referrer's tiers or milestones.
    expect(claim2.ordinal).toBe(2);
    expect(bonus2).toMatchObject({
      kind: 'milestone',
      milestone: 2,
      payeeId: maria.id,
      amount: 10_000,
      rewardType: 'gift_card',
      sourceRewardId: claim2.id,
      summary: 'Milestone bonus: a 100.00 USD gift card (Second friend)',
    });
    expect(bonus2.calculation).toContain('milestone at the 2nd converted referral');

    const third = await referredSale(maria);
    expect(third.byKind('milestone').map((b: { milestone: number }) => b.milestone)).toEqual([3]);
    const fourth = await referredSale(maria);
    expect(fourth.byKind('milestone')).toEqual([]);
    expect(fourth.byKind('referral')[0].ordinal).toBe(4);

    // The leaderboard counts converted referrals, not bonuses nor the referred people's rewards.
    const board = json(await t.owner.get('/v1/leaderboard?period=all'), 200);
    const row = board.items.find((item: { participantId: string }) => item.participantId === maria.id);
    expect(row.closedReferrals).toBe(4);
    const customerRow = board.items.find((item: { participantId: string }) => item.participantId === first.customer.id);
    expect(customerRow).toBeUndefined();
    const page = json(await t.owner.get(`/v1/participants/${maria.id}`), 200);
    expect(page.stats).toMatchObject({ referralsMade: 4, referralsSuccessful: 4 });
  });

  it('keeps maker-checker on the claims that come along, and pays each to its own payee', async () => {
    const ana = await newParticipant(t.owner, { name: 'Ana Ruiz', email: 'ana@example.com' });
    const { customer, byKind } = await referredSale(ana);
    const [own] = byKind('referred');
    // The owner key recorded the sale: a maker of every claim it made, the referred one too.
    expect(json(await t.owner.post(`/v1/rewards/${own.id}/approve`, {}), 409).code).toBe('maker_checker');
    json(await finance.post(`/v1/rewards/${own.id}/approve`, {}), 200);
    json(await finance.post(`/v1/rewards/${byKind('referral')[0].id}/approve`, {}), 200);
    // Account credits are not paid out in a batch: a gift card referred reward is.
    json(
      await setPolicy({
        referredReward: { rewardType: 'gift_card', amount: 1500, when: 'conversion' },
        milestones: [
          { atReferral: 2, amount: 10_000 },
          { atReferral: 3, amount: 20_000 },
        ],
      }),
      200,
    );
    const later = await referredSale(ana);
    const [gift] = later.byKind('referred');
    json(await finance.post(`/v1/rewards/${gift.id}/approve`, {}), 200);
    const batch = json(await finance.post('/v1/payout-batches', { currency: 'USD' }), 201);
    const line = batch.lines.find((l: { rewardIds: string[] }) => l.rewardIds.includes(gift.id));
    expect(line).toMatchObject({ participantId: later.customer.id, amount: 1500 });
    expect(batch.lines.find((l: { participantId: string }) => l.participantId === ana.id)?.rewardIds).not.toContain(
      gift.id,
    );
    json(await finance.post(`/v1/payout-batches/${batch.id}/cancel`, { reason: 'test' }), 200);

    // Sent, the referred person gets their welcome (not the referrer's thank-you), by consent.
    const sent = json(await t.owner.post(`/v1/rewards/${own.id}/mark-sent`, {}), 200);
    expect(sent.thankYou).toEqual([
      expect.objectContaining({ channel: 'email', status: 'queued', to: customer.email }),
    ]);
    const messages = json(await t.owner.get(`/v1/participants/${customer.id}/messages`), 200);
    const welcome = messages.items.find((m: { kind: string }) => m.kind === 'welcome');
    expect(welcome.subject).toMatch(/^Welcome to .+, Person!$/);
    expect(welcome.bodyText).toContain('Ana Ruiz referred you');
    expect(welcome.bodyText).toContain('A 20.00 USD account credit');
  });

  it('takes a bonus back with the sale or the claim that reached it, and lets it be earned again', async () => {
    json(await setPolicy({ milestones: [{ atReferral: 2, amount: 10_000 }] }), 200);
    const tom = await newParticipant(t.owner, { name: 'Tom Byrne' });
    await referredSale(tom);
    const second = await referredSale(tom, { externalId: 'ds-refunded' });
    const [bonus] = second.byKind('milestone');
    expect(bonus.milestone).toBe(2);
    // The sale is refunded in full: its claim and the bonus it reached are voided together.
    json(
      await t.owner.post('/v1/conversions', {
        externalId: 'ds-refund-1',
        type: 'refund',
        originalExternalId: 'ds-refunded',
        referredId: second.customer.id,
        amount: 100_000,
        currency: 'USD',
      }),
      201,
    );
    expect(json(await t.owner.get(`/v1/rewards/${bonus.id}`), 200).status).toBe('reversed');
    // The next converted referral is the 2nd again: the milestone is reached, and paid, again.
    const again = await referredSale(tom);
    expect(again.byKind('referral')[0].ordinal).toBe(2);
    const [rebonus] = again.byKind('milestone');
    expect(rebonus).toMatchObject({ milestone: 2, sourceRewardId: again.byKind('referral')[0].id });

    // A reviewer rejects the claim that reached it: the bonus goes with it.
    json(await finance.post(`/v1/rewards/${again.byKind('referral')[0].id}/reject`, { reason: 'Fake lead' }), 200);
    const withdrawn = json(await t.owner.get(`/v1/rewards/${rebonus.id}`), 200);
    expect(withdrawn.status).toBe('reversed');
    expect(withdrawn.closedReason).toContain('was rejected: Fake lead');
  });

  it('never pays one milestone twice, however many sales arrive at once', async () => {
    json(await setPolicy({ milestones: [{ atReferral: 2, amount: 10_000 }] }), 200);
    const lee = await newParticipant(t.owner, { name: 'Lee Chan' });
    await referredSale(lee);
    const customers = await Promise.all([1, 2, 3, 4].map(() => newParticipant(t.owner)));
    for (const customer of customers) await newReferral(t.owner, lee.id, customer.id);
    const answers = await Promise.all(
      customers.map((customer, i) =>
        t.owner.post('/v1/conversions', {
          externalId: `ds-race-${i}`,
          type: 'deal_won',
          referredId: customer.id,
          amount: 100_000,
          currency: 'USD',
        }),
      ),
    );
    const rewards = answers.flatMap((answer) => json(answer, 201).rewards);
    expect(rewards.filter((r: { kind: string }) => r.kind === 'milestone')).toHaveLength(1);
    expect(
      rewards
        .filter((r: { kind: string }) => r.kind === 'referral')
        .map((r: { ordinal: number }) => r.ordinal)
        .sort(),
    ).toEqual([2, 3, 4, 5]);
  });

  it('makes the same claims through the batch API as one at a time', async () => {
    json(
      await setPolicy({
        referredReward: { rewardType: 'account_credit', amount: 2000, when: 'conversion' },
        milestones: [{ atReferral: 2, amount: 10_000 }],
      }),
      200,
    );
    const zoe = await newParticipant(t.owner, { name: 'Zoe Park' });
    const customers = await Promise.all([1, 2].map(() => newParticipant(t.owner)));
    for (const customer of customers) await newReferral(t.owner, zoe.id, customer.id);
    const batch = json(
      await t.owner.post('/v1/conversions/batch', {
        events: customers.map((customer, i) => ({
          externalId: `ds-batch-${i}`,
          type: 'deal_won',
          referredId: customer.id,
          amount: 100_000,
          currency: 'USD',
        })),
      }),
      200,
    );
    const kinds = batch.results.map((r: { rewards: { kind: string }[] }) => r.rewards.map((w) => w.kind));
    expect(kinds).toEqual([
      ['referral', 'referred'],
      ['referral', 'referred', 'milestone'],
    ]);
  });

  it('rewards the referred person at the lead, judged on the lead, once, and takes it back with the referral', async () => {
    json(
      await setPolicy({ referredReward: { rewardType: 'account_credit', amount: 2500, when: 'lead' }, milestones: [] }),
      200,
    );
    const sara = await newParticipant(t.owner, { name: 'Sara Kim' });
    const friend = await newParticipant(t.owner, { name: 'Fred Friend', emailMarketingConsent: true });
    const referral = await newReferral(t.owner, sara.id, friend.id);
    const leadRewards = async (id: string) =>
      json(await t.owner.get(`/v1/rewards?referredId=${id}`), 200).items.filter(
        (r: { kind: string }) => r.kind === 'referred',
      );
    const [own] = await leadRewards(friend.id);
    expect(own).toMatchObject({
      kind: 'referred',
      payeeId: friend.id,
      referrer: { id: sara.id },
      conversion: null,
      sourceRewardId: null,
      rewardType: 'account_credit',
      amount: 2500,
      status: 'in_review',
      recommendation: 'eligible',
    });
    const detail = json(await t.owner.get(`/v1/rewards/${own.id}`), 200);
    const confirmed = detail.checks.find((c: { check: string }) => c.check === 'conversion_confirmed');
    expect(confirmed).toMatchObject({ passed: true, evidence: { lead: { referralId: referral.id } } });
    // The owner key recorded the referral: a maker; finance approves.
    expect(json(await t.owner.post(`/v1/rewards/${own.id}/approve`, {}), 409).code).toBe('maker_checker');
    json(await finance.post(`/v1/rewards/${own.id}/approve`, {}), 200);

    // A second referrer of the same person gets them no second reward; their purchase pays only the referrer.
    const other = await newParticipant(t.owner);
    await newReferral(t.owner, other.id, friend.id);
    expect(await leadRewards(friend.id)).toHaveLength(1);
    const sale = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'ds-lead-sale',
        type: 'deal_won',
        referredId: friend.id,
        amount: 100_000,
        currency: 'USD',
      }),
      201,
    );
    expect(sale.rewards.map((r: { kind: string }) => r.kind)).toEqual(['referral']);

    // Someone already a customer is not welcomed blindly: the lead reward is flagged.
    const known = await newParticipant(t.owner, { name: 'Old Customer' });
    json(
      await t.owner.post('/v1/conversions', {
        externalId: 'ds-old-sale',
        type: 'deal_won',
        referredId: known.id,
        amount: 50_000,
        currency: 'USD',
        occurredAt: new Date(t.clock.now().getTime() - 86_400_000).toISOString(),
      }),
      201,
    );
    await newReferral(t.owner, sara.id, known.id);
    const [flagged] = await leadRewards(known.id);
    expect(flagged.recommendation).not.toBe('eligible');
    expect(flagged.flags.map((f: { type: string }) => f.type)).toContain('existing_customer');

    // Referrals imported from a CSV file get the same reward, each once (a second import adds none).
    const imported = await Promise.all([1, 2].map((n) => newParticipant(t.owner, { externalId: `ds-imp-${n}` })));
    const file = `referrerId,referredExternalId\n${sara.id},ds-imp-1\n${sara.id},ds-imp-2\n`;
    const upload = () => t.owner.post('/v1/imports/referrals', file, { 'content-type': 'text/csv' });
    expect(json(await upload(), 200).imported).toBe(2);
    expect(json(await upload(), 200).imported).toBe(0);
    for (const person of imported) expect(await leadRewards(person.id)).toHaveLength(1);

    // The referral was logged by mistake: deleting it takes the lead reward back.
    const third = await newParticipant(t.owner);
    const wrong = await newReferral(t.owner, sara.id, third.id);
    const [doomed] = await leadRewards(third.id);
    json(
      await t.app.inject({
        method: 'DELETE',
        url: `/v1/referrals/${wrong.id}`,
        headers: { authorization: `Bearer ${t.owner.key}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ reason: 'Logged against the wrong person' }),
      }),
      200,
    );
    expect(json(await t.owner.get(`/v1/rewards/${doomed.id}`), 200).status).toBe('reversed');
    // Paid lead rewards still carry every piece of evidence: eligibility accuracy stays whole.
    json(await t.owner.post(`/v1/rewards/${own.id}/mark-sent`, {}), 200);
    const report = json(await t.owner.get('/v1/reports/eligibility-accuracy'), 200);
    expect(report.accuracy ?? report.share ?? report).toBeDefined();
    expect(JSON.stringify(report)).not.toContain('qualifying_event":1');
  });

  describe('from the attacker’s side', () => {
    it('does not pay a bonus on claims padded in review: it waits for them, and goes when they are rejected', async () => {
      json(await setPolicy({ milestones: [{ atReferral: 3, amount: 50_000 }], referredReward: null }), 200);
      const pat = await newParticipant(t.owner, { name: 'Pat Padder' });
      const one = await referredSale(pat);
      const two = await referredSale(pat);
      const three = await referredSale(pat);
      const [bonus] = three.byKind('milestone');
      expect(bonus.milestone).toBe(3);
      // Two of the three counted claims are still in review: the bonus cannot be approved yet.
      json(await finance.post(`/v1/rewards/${three.byKind('referral')[0].id}/approve`, {}), 200);
      const early = json(await finance.post(`/v1/rewards/${bonus.id}/approve`, {}), 409);
      expect(early.code).toBe('milestone_unsettled');
      expect(early.detail).toContain('1 of the referrer');
      // The padding is rejected: the count falls to 1, and the bonus it no longer reaches is voided.
      json(await finance.post(`/v1/rewards/${one.byKind('referral')[0].id}/reject`, { reason: 'Fake' }), 200);
      expect(json(await t.owner.get(`/v1/rewards/${bonus.id}`), 200).status).toBe('reversed');
      // Refunding another counted sale takes nothing more (no bonus left), and nothing breaks.
      json(
        await t.owner.post('/v1/conversions', {
          externalId: `refund-${two.result.conversion.externalId}`,
          type: 'refund',
          originalExternalId: two.result.conversion.externalId,
          referredId: two.customer.id,
          amount: 100_000,
          currency: 'USD',
        }),
        201,
      );
      // The next two converted referrals bring the count back to 3: the bonus is reached again.
      await referredSale(pat);
      const again = await referredSale(pat);
      expect(again.byKind('milestone').map((b: { milestone: number }) => b.milestone)).toEqual([3]);
    });

    it('does not let the people who built a milestone’s count approve its bonus', async () => {
      json(await setPolicy({ milestones: [{ atReferral: 2, amount: 20_000 }], referredReward: null }), 200);
      const rita = await newParticipant(t.owner, { name: 'Rita Builder' });
      const c1 = await newParticipant(t.owner);
      const c2 = await newParticipant(t.owner);
      // Finance records one counted referral; the owner records the other and both sales.
      await newReferral(finance, rita.id, c1.id);
      await newReferral(t.owner, rita.id, c2.id);
      const sale = (customer: { id: string }, n: number) =>
        t.owner.post('/v1/conversions', {
          externalId: `ds-built-${n}`,
          type: 'deal_won',
          referredId: customer.id,
          amount: 100_000,
          currency: 'USD',
        });
      const first = json(await sale(c1, 1), 201).rewards[0];
      const second = json(await sale(c2, 2), 201).rewards;
      const bonus = second.find((r: { kind: string }) => r.kind === 'milestone');
      const checker = await t.as('finance', 'Carla Checker');
      json(await checker.post(`/v1/rewards/${first.id}/approve`, {}), 200);
      json(await finance.post(`/v1/rewards/${second[0].id}/approve`, {}), 200);
      // Both counted claims are approved; still, finance recorded one of them: not the bonus's approver.
      expect(json(await finance.post(`/v1/rewards/${bonus.id}/approve`, {}), 409).code).toBe('maker_checker');
      json(await checker.post(`/v1/rewards/${bonus.id}/approve`, {}), 200);
    });

    it('never pays a reward given at the lead without a person, whatever a lead form says', async () => {
      const rules = json(await t.owner.get('/v1/program-rules'), 200);
      const base = {
        qualifyingTypes: rules.qualifyingTypes,
        allowedReferrerKinds: rules.allowedReferrerKinds,
        termsText: rules.termsText,
        termsVersion: rules.termsVersion,
        currency: 'USD',
      };
      // Auto-approval is on and the lead reward is under its limit: the attack is a stranger filling
      // in a referrer's lead form to collect the welcome credit with nobody looking.
      json(
        await t.owner.put('/v1/program-rules', { ...base, autoApproval: { enabled: true, maxAmount: 10_000 } }),
        200,
      );
      json(
        await setPolicy({
          referredReward: { rewardType: 'account_credit', amount: 2000, when: 'lead' },
          milestones: [],
        }),
        200,
      );
      const link = await newParticipant(t.owner, { name: 'Lena Link' });
      const path = new URL(link.referralUrl).pathname;
      const page = await t.app.inject({ method: 'GET', url: path, remoteAddress: '198.51.100.7' });
      const clickId = /name="clickId" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const answer = await t.app.inject({
        method: 'POST',
        url: path,
        payload: new URLSearchParams({ clickId, name: 'Stranger Danger', email: 'stranger@example.net' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        remoteAddress: '198.51.100.7',
      });
      expect(answer.statusCode).toBe(200);
      const [referral] = json(await t.owner.get(`/v1/referrals?referrerId=${link.id}`), 200).items;
      const [own] = json(await t.owner.get(`/v1/rewards?referredId=${referral.referred.id}`), 200).items;
      expect(own).toMatchObject({
        kind: 'referred',
        conversion: null,
        recommendation: 'eligible',
        status: 'in_review',
      });
      // The scheduler's pass over clean claims leaves it too; a person approves it.
      t.clock.advance(2 * 86_400_000);
      await autoApproveDueClaims(t.deps);
      expect(json(await t.owner.get(`/v1/rewards/${own.id}`), 200).status).toBe('in_review');
      json(await finance.post(`/v1/rewards/${own.id}/approve`, {}), 200);
      json(await t.owner.put('/v1/program-rules', base), 200);
    });

    it('clears the tax hold on a referred person’s reward with their form, not the referrer’s', async () => {
      const rules = json(await t.owner.get('/v1/program-rules'), 200);
      json(
        await t.owner.put('/v1/program-rules', {
          qualifyingTypes: rules.qualifyingTypes,
          allowedReferrerKinds: rules.allowedReferrerKinds,
          termsText: rules.termsText,
          termsVersion: rules.termsVersion,
          currency: 'USD',
          taxThreshold: { amount: 1000, currency: 'USD' },
        }),
        200,
      );
      json(
        await setPolicy({
          referredReward: { rewardType: 'gift_card', amount: 1500, when: 'conversion' },
          milestones: [],
        }),
        200,
      );
      const vic = await newParticipant(t.owner, { name: 'Vic Referrer' });
      const { customer, byKind } = await referredSale(vic);
      const [own] = byKind('referred');
      const held = json(await t.owner.get(`/v1/rewards/${own.id}`), 200);
      const flag = held.flags.find((f: { type: string }) => f.type === 'tax_form_missing');
      expect(flag).toBeDefined();
      json(
        await finance.put(`/v1/participants/${vic.id}/tax-form`, { type: 'W-9', receivedAt: '2026-03-01T00:00:00Z' }),
        200,
      );
      const refused = json(
        await finance.post(`/v1/rewards/${own.id}/flags/${flag.id}/resolve`, { reason: 'form' }),
        409,
      );
      expect(refused.detail).toContain('tax form first');
      json(
        await finance.put(`/v1/participants/${customer.id}/tax-form`, {
          type: 'W-9',
          receivedAt: '2026-03-01T00:00:00Z',
        }),
        200,
      );
      json(await finance.post(`/v1/rewards/${own.id}/flags/${flag.id}/resolve`, { reason: 'W-9 received' }), 200);
      json(
        await t.owner.put('/v1/program-rules', {
          qualifyingTypes: rules.qualifyingTypes,
          allowedReferrerKinds: rules.allowedReferrerKinds,
          termsText: rules.termsText,
          termsVersion: rules.termsVersion,
          currency: 'USD',
        }),
        200,
      );
    });
  });
});
