import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from '../policy/rules.core.js';
import { DISPOSABLE_DOMAINS } from './disposable-domains.js';
import { CHECKS, evaluateEligibility } from './eligibility.core.js';
import type { ConversionFacts, EligibilityContext, PersonFacts, ReferralFacts } from './eligibility.types.js';

/** The sale of a context built with one (every context here has one unless it says so). */
const sale = (c: EligibilityContext) => c.conversion as ConversionFacts;

const now = new Date('2026-05-10T12:00:00Z');

const person = (overrides: Partial<PersonFacts>): PersonFacts => ({
  id: 'par_x',
  name: 'Someone',
  kind: 'customer',
  email: null,
  emailNormalized: null,
  phone: null,
  address: null,
  signals: [],
  ...overrides,
});

const referral = (overrides: Partial<ReferralFacts> = {}): ReferralFacts => ({
  id: 'ref_1',
  referrerId: 'par_jess',
  referrerName: 'Jessica Alvarez',
  referrerKind: 'customer',
  source: 'manual',
  referredAt: new Date('2026-05-01T09:00:00Z'),
  createdAt: new Date('2026-05-01T09:00:00Z'),
  createdById: 'usr_staff',
  createdByName: 'Staff',
  evidence: { note: 'She said Jessica sent her' },
  clicks: [],
  ...overrides,
});

function context(overrides: Partial<EligibilityContext> = {}): EligibilityContext {
  return {
    now,
    rules: { version: 1, ...DEFAULT_RULES },
    referral: referral(),
    referrer: person({
      id: 'par_jess',
      name: 'Jessica Alvarez',
      email: 'jessica@example.com',
      emailNormalized: 'jessica@example.com',
      phone: '+14155550142',
    }),
    referred: person({
      id: 'par_sam',
      name: 'Sam Lee',
      email: 'sam@example.org',
      emailNormalized: 'sam@example.org',
      phone: '+14155550199',
    }),
    conversion: {
      id: 'cnv_1',
      externalId: 'deal-1',
      source: 'hubspot',
      type: 'deal_won',
      amount: 100_000,
      currency: 'USD',
      occurredAt: new Date('2026-05-09T12:00:00Z'),
      reversals: [],
    },
    customerHistory: {
      knownSince: new Date('2026-05-01T09:00:00Z'),
      knownVia: 'api',
      knownById: 'usr_staff',
      knownByName: 'Staff',
      earlierConversions: [],
    },
    otherReferrals: [],
    dispute: null,
    duplicateAttempts: [],
    referrerClaims: { sameMonth: 0, lifetime: 0 },
    exceptions: [],
    velocity: {
      windowHours: 24,
      referralsByReferrer: 1,
      claimsByReferrer: 1,
      clicksFromSameIp: 0,
      clicksFromSameDevice: 0,
    },
    disposableDomains: DISPOSABLE_DOMAINS,
    ...overrides,
  };
}

const run = (check: keyof typeof CHECKS, ctx: EligibilityContext) => CHECKS[check].evaluate(ctx);

describe('a clean claim', () => {
  it('passes every check and is recommended eligible with a zero fraud score', () => {
    const result = evaluateEligibility(context());
    expect(result.checks.every((check) => check.passed)).toBe(true);
    expect(result).toMatchObject({ recommendation: 'eligible', fraudScore: 0, flags: [] });
    expect(result.checks.map((check) => check.check).sort()).toEqual(Object.keys(CHECKS).sort());
  });
});

describe('conversion confirmed', () => {
  const base = context();
  it.each([
    ['a qualifying, unrefunded sale', base, true, undefined],
    ['a type the rules do not count', context({ conversion: { ...sale(base), type: 'refund' } }), false, undefined],
    [
      'a fully refunded sale',
      context({
        conversion: {
          ...sale(base),
          reversals: [{ id: 'cnv_r', externalId: 'r-1', type: 'refund', amount: 100_000, occurredAt: now }],
        },
      }),
      false,
      undefined,
    ],
    [
      'a partly refunded sale',
      context({
        conversion: {
          ...sale(base),
          reversals: [{ id: 'cnv_r', externalId: 'r-1', type: 'refund', amount: 10_000, occurredAt: now }],
        },
      }),
      false,
      'refunded',
    ],
    ['a sale below the minimum', context({ rules: { ...base.rules, minAmount: 200_000 } }), false, undefined],
    [
      'a sale in another currency than the minimum',
      context({ rules: { ...base.rules, minAmount: 1, currency: 'EUR' } }),
      false,
      undefined,
    ],
  ])('%s → passed %s', (_name, ctx, passed, flag) => {
    const outcome = run('conversion_confirmed', ctx);
    expect(outcome.passed).toBe(passed);
    expect(outcome.flag).toBe(flag);
    expect(outcome.evidence).toMatchObject({ conversionId: 'cnv_1', externalId: 'deal-1' });
  });

  it('makes a fully refunded claim ineligible, a partly refunded one needs review', () => {
    const full = context({
      conversion: {
        ...sale(base),
        reversals: [{ id: 'r', externalId: 'r', type: 'chargeback', amount: 100_000, occurredAt: now }],
      },
    });
    expect(evaluateEligibility(full).recommendation).toBe('ineligible');
    expect(run('conversion_confirmed', full).reason).toContain('charged back');
  });
});

describe('referrer eligible', () => {
  const base = context();
  it.each([
    ['a customer', base, true],
    ['an employee (not allowed by default)', context({ referrer: { ...base.referrer, kind: 'employee' } }), false],
    ['a partner', context({ referrer: { ...base.referrer, kind: 'partner' } }), true],
    [
      'a sale before the program started',
      context({ rules: { ...base.rules, startsAt: new Date('2026-06-01T00:00:00Z') } }),
      false,
    ],
    [
      'a sale after the program ended',
      context({ rules: { ...base.rules, endsAt: new Date('2026-05-01T00:00:00Z') } }),
      false,
    ],
    [
      'the monthly cap reached',
      context({ rules: { ...base.rules, capPerMonth: 2 }, referrerClaims: { sameMonth: 2, lifetime: 2 } }),
      false,
    ],
    [
      'under the monthly cap',
      context({ rules: { ...base.rules, capPerMonth: 2 }, referrerClaims: { sameMonth: 1, lifetime: 9 } }),
      true,
    ],
    [
      'the lifetime cap reached',
      context({ rules: { ...base.rules, capLifetime: 5 }, referrerClaims: { sameMonth: 0, lifetime: 5 } }),
      false,
    ],
    ['referring themselves', context({ referred: { ...base.referrer } }), false],
  ])('%s → passed %s', (_name, ctx, passed) => {
    const outcome = run('referrer_eligible', ctx);
    expect(outcome.passed).toBe(passed);
    if (!passed) expect(outcome.blocking).toBe(true);
  });
});

describe('self-referral', () => {
  const base = context();
  const withSignals = (referrer: PersonFacts['signals'], referred: PersonFacts['signals']) =>
    context({ referrer: { ...base.referrer, signals: referrer }, referred: { ...base.referred, signals: referred } });
  it.each([
    ['different people', base, false, 0],
    [
      'the same gmail mailbox written differently',
      context({
        referred: { ...base.referred, email: 'Jess.ica+x@googlemail.com', emailNormalized: 'jessica@gmail.com' },
        referrer: { ...base.referrer, email: 'jessica@gmail.com', emailNormalized: 'jessica@gmail.com' },
      }),
      true,
      60,
    ],
    ['the same phone', context({ referred: { ...base.referred, phone: '+14155550142' } }), true, 50],
    [
      'the same payment fingerprint',
      withSignals(
        [{ kind: 'payment_fingerprint', value: 'card_abc', source: 'api' }],
        [{ kind: 'payment_fingerprint', value: 'card_abc', source: 'billing' }],
      ),
      true,
      70,
    ],
    [
      'the same device from link clicks',
      withSignals(
        [{ kind: 'device', value: 'dev-1', source: 'click' }],
        [{ kind: 'device', value: 'dev-1', source: 'click' }],
      ),
      true,
      50,
    ],
    [
      'only the same IP',
      withSignals(
        [{ kind: 'ip', value: '203.0.113.9', source: 'click' }],
        [{ kind: 'ip', value: '203.0.113.9', source: 'click' }],
      ),
      false,
      20,
    ],
    [
      'the same name and address',
      context({
        referrer: { ...base.referrer, name: 'Sam Lee', address: '12 Main St, Springfield' },
        referred: { ...base.referred, address: '12 main st springfield' },
      }),
      true,
      40,
    ],
    [
      'the same name, different address',
      context({
        referrer: { ...base.referrer, name: 'Sam Lee', address: '1 Elm Rd' },
        referred: { ...base.referred, address: '12 Main St' },
      }),
      false,
      0,
    ],
  ])('%s → flagged %s, score %i', (_name, ctx, flagged, points) => {
    const outcome = run('self_referral', ctx);
    expect(outcome.flag === 'self_referral').toBe(flagged);
    expect(outcome.score?.reduce((sum, s) => sum + s.points, 0) ?? 0).toBe(points);
  });

  it('counts the device a lead used on the link as the referred side', () => {
    const ctx = context({
      referrer: { ...base.referrer, signals: [{ kind: 'device', value: 'dev-9', source: 'signup' }] },
      referral: referral({ clicks: [{ id: 'clk_1', ip: null, deviceId: 'dev-9', userAgent: null, landedAt: now }] }),
    });
    expect(run('self_referral', ctx).flag).toBe('self_referral');
  });

  it('sums the signals into the fraud score (capped at 100) and says which made it', () => {
    const ctx = context({
      referred: {
        ...base.referred,
        phone: '+14155550142',
        email: 'x@mailinator.com',
        emailNormalized: 'x@mailinator.com',
        signals: [{ kind: 'payment_fingerprint', value: 'c', source: 'b' }],
      },
      referrer: { ...base.referrer, signals: [{ kind: 'payment_fingerprint', value: 'c', source: 'a' }] },
    });
    const result = evaluateEligibility(ctx);
    expect(result.fraudScore).toBe(100);
    expect(result.signals.map((s) => s.signal).sort()).toEqual([
      'disposable_email',
      'same_payment_fingerprint',
      'same_phone',
    ]);
    expect(result.recommendation).toBe('needs_review');
  });
});

describe('duplicate claim and disputed attribution', () => {
  const rival = referral({
    id: 'ref_2',
    referrerId: 'par_pat',
    referrerName: 'Pat Partner',
    referrerKind: 'partner',
    source: 'link',
    createdAt: new Date('2026-05-02T00:00:00Z'),
  });
  it('flags both when two referrers claim one customer, showing both referrals’ evidence', () => {
    const result = evaluateEligibility(context({ otherReferrals: [rival] }));
    expect(result.flags.map((f) => f.type).sort()).toEqual(['disputed_attribution', 'duplicate_claim']);
    const disputed = result.flags.find((f) => f.type === 'disputed_attribution');
    expect((disputed!.evidence.competing as { referrerName: string }[]).map((c) => c.referrerName)).toEqual([
      'Jessica Alvarez',
      'Pat Partner',
    ]);
  });

  it('flags a dispute opened by staff even with a single referral', () => {
    const outcome = run(
      'disputed_attribution',
      context({
        dispute: {
          id: 'dsp_1',
          status: 'open',
          reason: 'Customer says Pat sent them',
          openedByName: 'Staff',
          winningReferralId: null,
          resolution: null,
          resolvedByName: null,
          resolvedAt: null,
          createdAt: now,
        },
      }),
    );
    expect(outcome.flag).toBe('disputed_attribution');
  });

  it('is settled by a resolution made after every competing referral, and reopened by a later one', () => {
    const resolved = {
      id: 'dsp_1',
      status: 'resolved' as const,
      reason: 'two referrers',
      openedByName: 'System',
      winningReferralId: 'ref_1',
      resolution: 'Jessica brought them in',
      resolvedByName: 'Fiona',
      resolvedAt: new Date('2026-05-05T00:00:00Z'),
      createdAt: now,
    };
    expect(run('disputed_attribution', context({ otherReferrals: [rival], dispute: resolved })).passed).toBe(true);
    expect(run('duplicate_claim', context({ otherReferrals: [rival], dispute: resolved })).passed).toBe(true);
    const late = { ...rival, id: 'ref_3', createdAt: new Date('2026-05-06T00:00:00Z') };
    expect(run('disputed_attribution', context({ otherReferrals: [rival, late], dispute: resolved })).passed).toBe(
      false,
    );
  });

  it('flags the same sale recorded twice', () => {
    const outcome = run(
      'duplicate_claim',
      context({
        duplicateAttempts: [
          {
            conversionId: 'cnv_2',
            externalId: 'inv-9',
            type: 'invoice_paid',
            amount: 100_000,
            currency: 'USD',
            occurredAt: now.toISOString(),
          },
        ],
      }),
    );
    expect(outcome.flag).toBe('duplicate_claim');
    expect(outcome.reason).toContain('inv-9');
  });
});

describe('partner exceptions', () => {
  const exception = {
    id: 'exc_1',
    owner: 'Olivia (owner)',
    reason: 'Strategic partner, 20% agreed',
    expiresAt: new Date('2026-12-31T00:00:00Z'),
    revokedAt: null,
    commissionRateBps: 2000,
    amount: null,
    excludedChecks: ['velocity'],
  };
  it('flags an active exception with its owner, reason and expiry', () => {
    const outcome = run('partner_exception', context({ exceptions: [exception] }));
    expect(outcome.flag).toBe('partner_exception');
    expect(outcome.evidence.active).toMatchObject({ owner: 'Olivia (owner)', expiresAt: '2026-12-31T00:00:00.000Z' });
  });
  it('ignores expired and revoked exceptions', () => {
    expect(
      run('partner_exception', context({ exceptions: [{ ...exception, expiresAt: new Date('2026-01-01T00:00:00Z') }] }))
        .passed,
    ).toBe(true);
    expect(run('partner_exception', context({ exceptions: [{ ...exception, revokedAt: now }] })).passed).toBe(true);
  });
  it('skips the checks an active exception excludes, and says so', () => {
    const busy = context({
      exceptions: [exception],
      velocity: {
        windowHours: 24,
        referralsByReferrer: 99,
        claimsByReferrer: 1,
        clicksFromSameIp: 0,
        clicksFromSameDevice: 0,
      },
    });
    const velocity = evaluateEligibility(busy).checks.find((check) => check.check === 'velocity');
    expect(velocity).toMatchObject({ passed: true, skipped: true });
    expect(velocity?.reason).toContain('exc_1');
  });
});

describe('velocity and disposable email', () => {
  it.each([
    [{ referralsByReferrer: 11 }, true],
    [{ referralsByReferrer: 10 }, false],
    [{ claimsByReferrer: 6 }, true],
    [{ clicksFromSameIp: 11 }, true],
    [{ clicksFromSameDevice: 11 }, true],
  ])('%o → flagged %s', (v, flagged) => {
    const ctx = context();
    const outcome = run('velocity', { ...ctx, velocity: { ...ctx.velocity, ...v } });
    expect(outcome.flag === 'velocity').toBe(flagged);
  });

  it.each([
    ['x@mailinator.com', true],
    ['x@YOPMAIL.com', true],
    ['x@gmail.com', false],
  ])('%s disposable: %s', (email, flagged) => {
    const ctx = context();
    const outcome = run('disposable_email', { ...ctx, referred: { ...ctx.referred, email } });
    expect(outcome.flag === 'disposable_email').toBe(flagged);
  });
});

describe('existing customers claimed through a referral', () => {
  const HOUR = 3_600_000;
  const recorded = new Date('2026-05-01T09:00:00Z');
  const known = (hoursBefore: number, byId = 'usr_owner') => ({
    knownSince: new Date(recorded.getTime() - hoursBefore * HOUR),
    knownVia: 'api',
    knownById: byId,
    knownByName: 'Owner',
    earlierConversions: [],
  });
  const viaLink = (createdById: string) =>
    referral({ source: 'link', createdAt: recorded, referredAt: recorded, createdById });

  it.each([
    // [source, recorded by, known hours before, flagged]
    ['link', 'system', 0, false], // the lead form made them in the same request
    ['link', 'system', 0.01, true], // the lead form found someone already there
    ['code', 'system', 48, true],
    ['code', 'key_crm', 0.5, false], // an integration registering, then naming the code
    ['code', 'key_crm', 2, true],
    ['manual', 'usr_staff', 0.5, false], // staff record a new lead and who sent them
    ['manual', 'usr_staff', 500, true], // naming a long-known customer as a referral needs a second look
    ['import', 'usr_staff', 500, true],
  ] as const)('%s recorded by %s, known %sh before → flagged %s', (source, by, hours, flagged) => {
    const outcome = run('existing_customer', {
      ...context(),
      referral: { ...viaLink(by), source },
      customerHistory: known(hours),
    });
    expect(outcome.flag === 'existing_customer').toBe(flagged);
  });

  it('names when and how they became known, and what they bought before', () => {
    const earlier = {
      id: 'cnv_0',
      externalId: 'inv-7',
      source: 'stripe',
      type: 'invoice_paid',
      amount: 9900,
      currency: 'USD',
      occurredAt: new Date('2026-04-01T00:00:00Z'),
    };
    const outcome = run('existing_customer', {
      ...context(),
      referral: referral({ source: 'manual', referredAt: recorded, createdAt: recorded }),
      customerHistory: { ...known(0), earlierConversions: [earlier] },
    });
    expect(outcome.flag).toBe('existing_customer');
    expect(outcome.reason).toContain('bought before being referred (invoice_paid stripe/inv-7 on 2026-04-01)');
    expect(outcome.evidence).toMatchObject({
      knownVia: 'api',
      earlierConversions: [{ externalId: 'inv-7', amount: 9900 }],
    });
  });

  it('measures "bought before" from when the referral was recorded, whatever referredAt says', () => {
    const earlier = {
      id: 'cnv_0',
      externalId: 'inv-8',
      source: 'crm',
      type: 'deal_won',
      amount: 5000,
      currency: 'USD',
      occurredAt: new Date('2026-04-20T00:00:00Z'),
    };
    const backdated = referral({
      source: 'manual',
      referredAt: new Date('2020-01-01T00:00:00Z'),
      createdAt: recorded,
    });
    const outcome = run('existing_customer', {
      ...context(),
      referral: backdated,
      customerHistory: { ...known(0), earlierConversions: [earlier] },
    });
    expect(outcome.flag).toBe('existing_customer');
    // A historical import keeps its own dates: the referral really came first.
    const imported = run('existing_customer', {
      ...context(),
      referral: { ...backdated, source: 'import' },
      customerHistory: { ...known(0), earlierConversions: [earlier] },
    });
    expect(imported.passed).toBe(true);
  });

  it('flags a link claim for a sale made before the link named them', () => {
    const ctx = context();
    const outcome = run('existing_customer', {
      ...ctx,
      referral: viaLink('system'),
      customerHistory: known(0),
      conversion: { ...sale(ctx), occurredAt: new Date(recorded.getTime() - HOUR) },
    });
    expect(outcome.flag).toBe('existing_customer');
  });
});
