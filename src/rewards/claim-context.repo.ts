/**
 * Loads what the eligibility checks look at. The checks are pure; this is the only place that
 * queries for them, so what a claim was judged on is exactly what is read here.
 */
import { and, desc, eq, gte, inArray, ne, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { conversions, disputes, linkClicks, participants, partnerExceptions, referrals } from '../db/schema.js';
import { DISPOSABLE_DOMAINS } from '../eligibility/disposable-domains.js';
import type {
  ClickFacts,
  ConversionFacts,
  DisputeFacts,
  EligibilityContext,
  ExceptionFacts,
  PersonFacts,
  ReferralFacts,
} from '../eligibility/eligibility.types.js';
import { type ParticipantRow, signalsOf } from '../participants/participant.repo.js';
import type { ProgramRulesTerms } from '../policy/rules.core.js';
import { countReferrerClaimsSince, referrerClaimCounts } from './reward.repo.js';

export type ReferralRow = typeof referrals.$inferSelect;
export type ConversionRow = typeof conversions.$inferSelect;

export function monthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** Every referral of a customer, first-touch first, with each referrer's name and kind. */
export async function referralsOfCustomer(db: Executor, workspaceId: string, referredId: string) {
  return db
    .select({ referral: referrals, referrerName: participants.name, referrerKind: participants.kind })
    .from(referrals)
    .innerJoin(
      participants,
      and(eq(participants.workspaceId, referrals.workspaceId), eq(participants.id, referrals.referrerId)),
    )
    .where(and(eq(referrals.workspaceId, workspaceId), eq(referrals.referredId, referredId)))
    .orderBy(referrals.referredAt, referrals.createdAt, referrals.id);
}

export type ReferralWithReferrer = Awaited<ReturnType<typeof referralsOfCustomer>>[number];

export async function latestDispute(db: Executor, workspaceId: string, referredId: string) {
  const rows = await db
    .select()
    .from(disputes)
    .where(and(eq(disputes.workspaceId, workspaceId), eq(disputes.referredId, referredId)))
    .orderBy(sql`${disputes.status} = 'open' desc`, desc(disputes.createdAt))
    .limit(1);
  return rows[0];
}

export async function exceptionsOf(db: Executor, workspaceId: string, participantId: string) {
  return db
    .select()
    .from(partnerExceptions)
    .where(and(eq(partnerExceptions.workspaceId, workspaceId), eq(partnerExceptions.participantId, participantId)))
    .orderBy(desc(partnerExceptions.createdAt));
}

export async function reversalsOf(db: Executor, workspaceId: string, conversionId: string) {
  return db
    .select()
    .from(conversions)
    .where(and(eq(conversions.workspaceId, workspaceId), eq(conversions.reversesConversionId, conversionId)))
    .orderBy(conversions.occurredAt);
}

function person(row: ParticipantRow, signals: Awaited<ReturnType<typeof signalsOf>>): PersonFacts {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    email: row.email,
    emailNormalized: row.emailNormalized,
    phone: row.phone,
    address: row.address,
    signals: signals
      .filter((signal) => signal.participantId === row.id)
      .map((signal) => ({ kind: signal.kind, value: signal.value, source: signal.source })),
  };
}

export function exceptionFacts(row: typeof partnerExceptions.$inferSelect): ExceptionFacts {
  return {
    id: row.id,
    owner: row.owner,
    reason: row.reason,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    commissionRateBps: row.commissionRateBps,
    amount: row.amount,
    excludedChecks: row.excludedChecks,
  };
}

function disputeFacts(row: typeof disputes.$inferSelect | undefined): DisputeFacts | null {
  if (!row) return null;
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    openedByName: row.openedByName,
    winningReferralId: row.winningReferralId,
    resolution: row.resolution,
    resolvedByName: row.resolvedByName,
    resolvedAt: row.resolvedAt,
    createdAt: row.createdAt,
  };
}

export async function loadEligibilityContext(
  db: Executor,
  input: {
    workspaceId: string;
    programId: string;
    now: Date;
    claimCreatedAt: Date;
    rules: ProgramRulesTerms;
    referral: ReferralRow;
    referrer: ParticipantRow;
    referred: ParticipantRow;
    conversion: ConversionRow;
    customerReferrals: ReferralWithReferrer[];
    excludeRewardId?: string | undefined;
  },
): Promise<EligibilityContext> {
  const { workspaceId, referral, referrer, referred, conversion, rules, now } = input;
  const signals = await signalsOf(db, workspaceId, [referrer.id, referred.id]);
  const clicks = await db
    .select()
    .from(linkClicks)
    .where(and(eq(linkClicks.workspaceId, workspaceId), eq(linkClicks.referredId, referred.id)));
  const clicksBy = (referrerId: string): ClickFacts[] =>
    clicks
      .filter((click) => click.referrerId === referrerId)
      .map((click) => ({
        id: click.id,
        ip: click.ip,
        deviceId: click.deviceId,
        userAgent: click.userAgent,
        landedAt: click.landedAt,
      }));
  const referralFacts = (row: ReferralWithReferrer): ReferralFacts => ({
    id: row.referral.id,
    referrerId: row.referral.referrerId,
    referrerName: row.referrerName,
    referrerKind: row.referrerKind,
    source: row.referral.source,
    referredAt: row.referral.referredAt,
    createdAt: row.referral.createdAt,
    createdByName: row.referral.createdByName,
    evidence: row.referral.evidence,
    clicks: clicksBy(row.referral.referrerId),
  });
  const own = input.customerReferrals.find((row) => row.referral.id === referral.id);
  const ownFacts: ReferralFacts = own
    ? referralFacts(own)
    : referralFacts({ referral, referrerName: referrer.name, referrerKind: referrer.kind });
  const others = input.customerReferrals.filter((row) => row.referral.id !== referral.id).map(referralFacts);

  const reversals = await reversalsOf(db, workspaceId, conversion.id);
  const conversionFacts: ConversionFacts = {
    id: conversion.id,
    externalId: conversion.externalId,
    source: conversion.source,
    type: conversion.type,
    amount: conversion.amount,
    currency: conversion.currency,
    occurredAt: conversion.occurredAt,
    reversals: reversals.map((row) => ({
      id: row.id,
      externalId: row.externalId,
      type: row.type,
      amount: row.amount,
      occurredAt: row.occurredAt,
    })),
  };

  // The same sale recorded twice (e.g. by the CRM and by hand): same customer, amount, currency.
  const twins = await db
    .select()
    .from(conversions)
    .where(
      and(
        eq(conversions.workspaceId, workspaceId),
        eq(conversions.referredId, referred.id),
        ne(conversions.id, conversion.id),
        eq(conversions.amount, conversion.amount),
        eq(conversions.currency, conversion.currency),
        inArray(conversions.type, rules.qualifyingTypes),
      ),
    );

  const windowStart = new Date(now.getTime() - rules.velocityWindowHours * 3_600_000);
  const [referralsInWindow] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(referrals)
    .where(
      and(
        eq(referrals.workspaceId, workspaceId),
        eq(referrals.referrerId, referrer.id),
        gte(referrals.createdAt, windowStart),
      ),
    );
  const claimsInWindow =
    (await countReferrerClaimsSince(db, workspaceId, referrer.id, windowStart)) - (input.excludeRewardId ? 1 : 0) + 1;
  const ips = [...new Set(ownFacts.clicks.map((click) => click.ip).filter((ip): ip is string => !!ip))];
  const devices = [...new Set(ownFacts.clicks.map((click) => click.deviceId).filter((d): d is string => !!d))];
  const countClicks = async (column: typeof linkClicks.ip | typeof linkClicks.deviceId, values: string[]) => {
    if (values.length === 0) return 0;
    const rows = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(linkClicks)
      .where(
        and(eq(linkClicks.workspaceId, workspaceId), inArray(column, values), gte(linkClicks.landedAt, windowStart)),
      )
      .groupBy(column);
    return Math.max(0, ...rows.map((row) => Number(row.n)));
  };

  const counts = await referrerClaimCounts(
    db,
    workspaceId,
    input.programId,
    referrer.id,
    monthStart(input.claimCreatedAt),
    input.excludeRewardId,
  );

  return {
    now,
    rules,
    referral: ownFacts,
    referrer: person(referrer, signals),
    referred: person(referred, signals),
    conversion: conversionFacts,
    otherReferrals: others,
    dispute: disputeFacts(await latestDispute(db, workspaceId, referred.id)),
    duplicateAttempts: twins.map((row) => ({
      conversionId: row.id,
      externalId: row.externalId,
      type: row.type,
      amount: row.amount,
      currency: row.currency,
      occurredAt: row.occurredAt.toISOString(),
    })),
    referrerClaims: counts,
    exceptions: (await exceptionsOf(db, workspaceId, referrer.id)).map(exceptionFacts),
    velocity: {
      windowHours: rules.velocityWindowHours,
      referralsByReferrer: Number(referralsInWindow?.n ?? 0),
      claimsByReferrer: claimsInWindow,
      clicksFromSameIp: await countClicks(linkClicks.ip, ips),
      clicksFromSameDevice: await countClicks(linkClicks.deviceId, devices),
    },
    disposableDomains: DISPOSABLE_DOMAINS,
  };
}
