/**
 * The claim engine over a batch of conversion events, pure: given the facts loaded set-based for
 * the whole batch, the events are applied in order to that state in memory — two sales of one
 * referrer get consecutive tier ordinals, a second sale of a customer sees the first one's claim
 * — and what each event writes comes out. Nothing here reads a clock or a table.
 *
 * Events the in-memory state cannot decide alone stop the run (`stoppedAt`): a refund or
 * chargeback of a sale whose claim is open, a sale for a customer whose open claim the state
 * cannot re-check exactly, a sale that opens or joins a dispute, a sale whose refunds arrived
 * first. The service writes what came before, runs that event through the one-event path in the
 * same transaction, refreshes the facts it touched, and goes on: one path decides each kind of
 * event, so batches and single events agree.
 */

import type { rewardFlags, rewards } from '../db/schema.js';
import { evaluateEligibility } from '../eligibility/eligibility.core.js';
import type { FlagType } from '../eligibility/eligibility.types.js';
import { freshFlags } from '../eligibility/flag.core.js';
import type { PolicyTerms } from '../policy/policy.core.js';
import type { ProgramRulesTerms } from '../policy/rules.core.js';
import {
  type ClaimDecision,
  chooseReferral,
  decideClaim,
  exceptionMakersInForce,
  needsDispute,
  saleReversal,
  whyNoClaim,
} from '../rewards/claim.core.js';
import type {
  ClickRow,
  ConversionRow,
  CustomerFacts,
  DisputeRow,
  ExceptionRow,
  ParticipantRow,
  ReferralWithReferrer,
  ReferrerFacts,
  SignalRow,
} from '../rewards/claim-context.core.js';
import {
  buildEligibilityContext,
  clickKeys,
  monthStart,
  taxFactsWithClaim,
  taxFactsWithoutClaim,
} from '../rewards/claim-context.core.js';
import { bringsDerivedClaims } from '../rewards/derived-claim.core.js';
import { isOpen, type RewardStatus } from '../rewards/lifecycle.core.js';
import type { Actor } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { isReversal } from '../shared/vocabulary.js';
import type { ConversionInput, ConversionOutcome } from './conversion.schema.js';

export interface BatchEvent {
  index: number;
  actor: Actor;
  input: ConversionInput;
  source: string;
  occurredAt: Date;
  /** The event's identity-defining fields, hashed: a replay must match them. */
  hash: string;
  /** Ids chosen before the run, so the pure run is deterministic. */
  conversionId: string;
  rewardId: string;
}

export interface CustomerState {
  liveReward: { id: string; status: RewardStatus; conversionId: string | null } | null;
  referrals: ReferralWithReferrer[];
  clicks: ClickRow[];
  dispute: DisputeRow | null;
  /** The customer's qualifying conversions (for possible twins and "bought before"). */
  conversions: CustomerFacts['earlier'];
  /** The open claim, whole, when there is one (a new sale re-checks it). */
  openClaim?: OpenClaimState | undefined;
}

export interface OpenClaimState {
  row: typeof rewards.$inferSelect;
  conversion: ConversionRow;
  flags: (typeof rewardFlags.$inferSelect)[];
  /** Refunds applied to its sale already, in the order the one-event loader reads them. */
  reversals: CustomerFacts['reversals'];
}

/** A re-check decided in memory: what it adds and what the claim becomes. */
export interface RecheckPlan {
  claim: typeof rewards.$inferSelect;
  flags: { type: FlagType; reason: string; evidence: Record<string, unknown> }[];
  makers: { makerId: string; makerName: string; reason: 'partner_exception'; round: number; detail: string }[];
  audit: {
    action: string;
    objectType: string;
    objectId: string;
    before: Record<string, unknown>;
    after: Record<string, unknown>;
  };
}

export interface ReferrerState {
  lifetime: number;
  sameMonth: number;
  claimsInWindow: number;
  referralsInWindow: number;
  exceptions: ExceptionRow[];
  tax?: ReferrerFacts['tax'];
}

export interface BatchFacts {
  programId: string;
  policy: PolicyTerms;
  rules: ProgramRulesTerms;
  /** Conversions already recorded, by `source \0 externalId`. */
  existing: Map<string, { requestHash: string; result: unknown }>;
  participants: Map<string, ParticipantRow>;
  /** externalId → participant id. */
  byExternalId: Map<string, string>;
  customers: Map<string, CustomerState>;
  referrers: Map<string, ReferrerState>;
  signals: Map<string, SignalRow[]>;
  /** Sales named by refunds that arrived before them, by `source \0 externalId`. */
  earlyReversals: Set<string>;
  /**
   * The sales the batch's refunds name, stored or planned here, by `source \0 externalId`
   * (absent: not recorded yet), with how many of their claims a refund would change.
   */
  sales: Map<string, SaleState>;
  clicksByIp: Map<string, number>;
  clicksByDevice: Map<string, number>;
  disposableDomains: ReadonlySet<string>;
  /** Claims re-checked by plans not yet written (a second re-check of one waits for them). */
  pendingRechecks: Set<string>;
}

export interface SaleState {
  id: string;
  referredId: string | null;
  /** Its claims a refund would change (not closed). */
  claims: number;
}

export interface ClaimPlan {
  decision: ClaimDecision;
  chosen: ReferralWithReferrer;
  referrer: ParticipantRow;
  exceptions: ExceptionRow[];
}

export type EventPlan =
  | { kind: 'error'; event: BatchEvent; error: AppError }
  | { kind: 'replay'; event: BatchEvent; result: unknown }
  /** The same event twice in one batch: the second answers what the first did. */
  | { kind: 'replay_of'; event: BatchEvent; ofIndex: number }
  | {
      kind: 'record';
      event: BatchEvent;
      conversion: ConversionRow;
      outcome: ConversionOutcome;
      rewardIds: string[];
      claim?: ClaimPlan;
      recheck?: RecheckPlan;
      signal?: { participantId: string; value: string; source: string };
    };

export const eventKey = (source: string, externalId: string) => `${source}\u0000${externalId}`;

const DAY_MS = 86_400_000;

/**
 * Applies the events in order to the facts (which it updates: they are the batch's state) and
 * returns a plan per event, up to the first event that needs the one-event path.
 */
export function applyEvents(
  facts: BatchFacts,
  events: BatchEvent[],
  now: Date,
  /** Events of this batch planned but not yet written, by key (shared across runs of one batch). */
  seen = new Map<string, { hash: string; index: number }>(),
): { plans: EventPlan[]; stoppedAt: number | null } {
  const plans: EventPlan[] = [];
  for (const [position, event] of events.entries()) {
    const { input } = event;
    if (event.occurredAt.getTime() > now.getTime() + DAY_MS) {
      plans.push({
        kind: 'error',
        event,
        error: new AppError('validation_failed', 'The field `occurredAt`: must not be more than a day in the future.', {
          field: 'occurredAt',
        }),
      });
      continue;
    }
    const key = eventKey(event.source, input.externalId);
    const earlier = seen.get(key);
    const stored = facts.existing.get(key);
    if (earlier || stored) {
      if ((earlier?.hash ?? stored?.requestHash) !== event.hash) {
        plans.push({ kind: 'error', event, error: mismatch(event) });
      } else if (earlier) {
        plans.push({ kind: 'replay_of', event, ofIndex: earlier.index });
      } else if (stored?.result === null || stored?.result === undefined) {
        plans.push({
          kind: 'error',
          event,
          error: new AppError('idempotency_in_progress', 'This event is being recorded; retry shortly.'),
        });
      } else {
        plans.push({ kind: 'replay', event, result: stored.result });
      }
      continue;
    }
    let referred: ParticipantRow | undefined;
    if (input.referredId) {
      referred = facts.participants.get(input.referredId);
      if (!referred) {
        plans.push({ kind: 'error', event, error: notFound('Participant', 'referredId') });
        continue;
      }
      if (input.referredExternalId && referred.externalId !== input.referredExternalId) {
        plans.push({
          kind: 'error',
          event,
          error: new AppError('unprocessable', 'referredId and referredExternalId name different participants.', {
            field: 'referredExternalId',
          }),
        });
        continue;
      }
    } else if (input.referredExternalId) {
      const id = facts.byExternalId.get(input.referredExternalId);
      referred = id ? facts.participants.get(id) : undefined;
    }
    const conversion = conversionRow(event, referred, now);
    const signal =
      referred && input.paymentFingerprint
        ? {
            participantId: referred.id,
            value: input.paymentFingerprint,
            source: `conversion ${event.source}/${input.externalId}`,
          }
        : undefined;
    if (signal) addSignal(facts, signal, now);

    const record = (
      outcome: ConversionOutcome,
      rewardIds: string[] = [],
      claim?: ClaimPlan,
      recheck?: RecheckPlan,
      reversesConversionId: string | null = null,
    ): EventPlan => ({
      kind: 'record',
      event,
      conversion: { ...conversion, outcome, reversesConversionId },
      outcome,
      rewardIds,
      ...(claim ? { claim } : {}),
      ...(recheck ? { recheck } : {}),
      ...(signal ? { signal } : {}),
    });

    if (isReversal(input.type)) {
      // A refund may name any recorded conversion as its sale, another refund or itself included
      // (the one-event path records it, then looks its sale up): it is one, with no claims.
      facts.sales.set(key, { id: conversion.id, referredId: conversion.referredId, claims: 0 });
      const reversal = decideReversal(facts, event, conversion, now);
      if (reversal === 'one_by_one') {
        facts.sales.delete(key);
        if (signal) removeSignal(facts, signal);
        return { plans, stoppedAt: position };
      }
      plans.push(record(reversal.outcome, reversal.rewardIds, undefined, reversal.recheck, reversal.reverses));
      seen.set(key, { hash: event.hash, index: event.index });
      if (reversal.outcome === 'reversal_pending') {
        facts.earlyReversals.add(eventKey(event.source, input.originalExternalId as string));
      }
      continue;
    }
    if (!referred) {
      plans.push(record('awaiting_participant'));
      facts.sales.set(key, { id: conversion.id, referredId: null, claims: 0 });
      seen.set(key, { hash: event.hash, index: event.index });
      continue;
    }
    // Refunds of this sale that came first are linked to it by the one-event path.
    const decided = facts.earlyReversals.has(key) ? 'one_by_one' : decide(facts, event, conversion, referred, now);
    if (decided === 'one_by_one') {
      if (signal) removeSignal(facts, signal);
      return { plans, stoppedAt: position };
    }
    plans.push(record(decided.outcome, decided.rewardIds, decided.claim, decided.recheck));
    seen.set(key, { hash: event.hash, index: event.index });
    facts.sales.set(key, { id: conversion.id, referredId: referred.id, claims: decided.claim ? 1 : 0 });
    // What later events of this batch must see: this sale, and its claim.
    const customer = facts.customers.get(referred.id);
    if (customer && facts.rules.qualifyingTypes.includes(conversion.type)) {
      customer.conversions.push(saleFact(conversion));
    }
    if (decided.claim && customer) {
      customer.liveReward = { id: event.rewardId, status: 'in_review', conversionId: conversion.id };
      const referrer = facts.referrers.get(decided.claim.referrer.id);
      if (referrer) {
        referrer.lifetime += 1;
        referrer.sameMonth += 1;
        referrer.claimsInWindow += 1;
        const { reward } = decided.claim.decision;
        if (referrer.tax) {
          referrer.tax = taxFactsWithClaim(referrer.tax, { ...reward, rewardType: facts.policy.rewardType });
        }
      }
    }
  }
  return { plans, stoppedAt: null };
}

/**
 * A refund or chargeback decided in memory, as the one-event path (conversion.service
 * `applyConversion`, refund.service `applyReversals`) would apply it: its sale not recorded yet
 * (kept pending, linked when the sale arrives); recorded with no claim a refund changes (recorded
 * against it); or, in part, of a sale whose one claim is open and in review (the claim judged
 * again with the refund among its facts). A refund that voids a claim, changes a paid or approved
 * one, or names no sale goes the one-event way.
 */
function decideReversal(
  facts: BatchFacts,
  event: BatchEvent,
  refund: ConversionRow,
  now: Date,
):
  | 'one_by_one'
  | {
      outcome: 'awaiting_participant' | 'reversal_pending' | 'reversal_recorded' | 'reversal_applied';
      reverses: string | null;
      rewardIds: string[];
      recheck?: RecheckPlan;
    } {
  const { originalExternalId } = event.input;
  // Without the sale's id, the one-event path finds the sale from the customer's live claim.
  if (!originalExternalId) {
    return refund.referredId ? 'one_by_one' : { outcome: 'awaiting_participant', reverses: null, rewardIds: [] };
  }
  const sale = facts.sales.get(eventKey(event.source, originalExternalId));
  if (!sale) return { outcome: 'reversal_pending', reverses: null, rewardIds: [] };
  if (sale.claims === 0) return { outcome: 'reversal_recorded', reverses: sale.id, rewardIds: [] };
  if (sale.claims > 1 || !sale.referredId) return 'one_by_one';
  const customer = facts.customers.get(sale.referredId);
  const referred = facts.participants.get(sale.referredId);
  const open = customer?.openClaim;
  if (!customer || !referred || !open || open.row.conversionId !== sale.id) return 'one_by_one';
  const reversal = saleReversal(
    open.conversion,
    refund,
    open.reversals.reduce((sum, row) => sum + row.amount, 0) + refund.amount,
  );
  if (reversal.full) return 'one_by_one';
  const decided = recheck(facts, referred, customer, now, { kind: 'refund', conversion: refund, why: reversal.what });
  if (decided === 'one_by_one') return decided;
  return { outcome: 'reversal_applied', reverses: sale.id, rewardIds: decided.rewardIds, recheck: decided.recheck };
}

function decide(
  facts: BatchFacts,
  event: BatchEvent,
  conversion: ConversionRow,
  referred: ParticipantRow,
  now: Date,
): 'one_by_one' | { outcome: ConversionOutcome; rewardIds: string[]; claim?: ClaimPlan; recheck?: RecheckPlan } {
  const { policy, rules } = facts;
  const refusal = whyNoClaim({ policy, rules, conversion });
  if (refusal) return { outcome: refusal, rewardIds: [] };
  const customer = facts.customers.get(referred.id);
  if (!customer) return 'one_by_one';
  if (customer.liveReward) {
    // An open claim is judged again with this sale among its facts.
    if (isOpen(customer.liveReward.status))
      return recheck(facts, referred, customer, now, { kind: 'sale', conversion });
    return { outcome: 'already_rewarded', rewardIds: [customer.liveReward.id] };
  }
  const chosen = chooseReferral(customer.referrals, customer.dispute);
  if (!chosen) return { outcome: 'no_referral', rewardIds: [] };
  if (needsDispute(customer)) return 'one_by_one';
  if (customer.dispute?.status === 'open' && !customer.dispute.rewardId) return 'one_by_one';
  const referrer = facts.participants.get(chosen.referral.referrerId);
  const referrerState = facts.referrers.get(chosen.referral.referrerId);
  if (!referrer || !referrerState) return 'one_by_one';
  // A referred person's reward or a milestone bonus beside the claim: made by the one-event path,
  // which judges them on the claim's facts (their counts and tax years are not in the batch's state).
  if (bringsDerivedClaims(policy)) return 'one_by_one';

  const customerFacts: CustomerFacts = {
    liveReward: null,
    referrals: customer.referrals,
    clicks: customer.clicks,
    dispute: customer.dispute,
    signals: facts.signals.get(referred.id) ?? [],
    reversals: [],
    ...salesBeside(customer.conversions, conversion),
  };
  const keys = clickKeys(customerFacts, referrer.id);
  const referrerFacts: ReferrerFacts = {
    lifetime: referrerState.lifetime,
    sameMonth: referrerState.sameMonth,
    claimsInWindow: referrerState.claimsInWindow,
    referralsInWindow: referrerState.referralsInWindow,
    clicksFromSameIp: Math.max(0, ...keys.ips.map((ip) => facts.clicksByIp.get(ip) ?? 0)),
    clicksFromSameDevice: Math.max(0, ...keys.devices.map((id) => facts.clicksByDevice.get(id) ?? 0)),
    exceptions: referrerState.exceptions,
    signals: facts.signals.get(referrer.id) ?? [],
    tax: referrerState.tax,
  };
  const decision = decideClaim({
    now,
    policy,
    rules,
    chosen,
    referrer,
    referred,
    conversion,
    customer: customerFacts,
    referrerFacts,
    disposableDomains: facts.disposableDomains,
  });
  return {
    outcome: 'reward_created',
    rewardIds: [event.rewardId],
    claim: { decision, chosen, referrer, exceptions: referrerState.exceptions },
  };
}

/** What makes an open claim be judged again in a batch: a new sale of its customer, or a part refund of its sale. */
type RecheckTrigger =
  | { kind: 'sale'; conversion: ConversionRow }
  | { kind: 'refund'; conversion: ConversionRow; why: string };

/**
 * A customer's open claim judged again with a new fact (a new sale, a part refund of its sale),
 * exactly as rewards/recheck.service.ts does it, from the batch's state. New flags are added (an
 * unresolved one of the same type, or a resolved one with the same evidence, is not raised
 * again); for a sale, the outcome says whether it looks like a duplicate. What the state cannot
 * answer exactly goes the one-event way: a claim judged under other rules or in another month, an
 * approved claim a new flag would send back to review, a second re-check of one claim before the
 * first is written.
 */
function recheck(
  facts: BatchFacts,
  referred: ParticipantRow,
  customer: CustomerState,
  now: Date,
  trigger: RecheckTrigger,
): 'one_by_one' | { outcome: ConversionOutcome; rewardIds: string[]; recheck: RecheckPlan } {
  const { conversion } = trigger;
  const open = customer.openClaim;
  if (!open || open.row.id !== customer.liveReward?.id || facts.pendingRechecks.has(open.row.id)) return 'one_by_one';
  const claim = open.row;
  const { rules } = facts;
  if (claim.rulesVersion !== rules.version || claim.programId !== facts.programId) return 'one_by_one';
  if (monthStart(claim.createdAt).getTime() !== monthStart(now).getTime()) return 'one_by_one';
  if (claim.status !== 'in_review') return 'one_by_one';
  const chosen = customer.referrals.find((row) => row.referral.id === claim.referralId);
  const referrer = facts.participants.get(claim.referrerId);
  const referrerState = facts.referrers.get(claim.referrerId);
  if (!chosen || !referrer || !referrerState) return 'one_by_one';

  // The customer's sales as the one-event path reads them: a new one is recorded first.
  const sales =
    trigger.kind === 'sale' && rules.qualifyingTypes.includes(conversion.type)
      ? [...customer.conversions, saleFact(conversion)]
      : customer.conversions;
  // The sale's refunds, a new one recorded (and linked to it) first.
  const reversals =
    trigger.kind === 'refund'
      ? [
          ...open.reversals,
          {
            id: conversion.id,
            externalId: conversion.externalId,
            type: conversion.type,
            amount: conversion.amount,
            occurredAt: conversion.occurredAt,
          },
        ].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || byBytes(a.externalId, b.externalId))
      : open.reversals;
  const customerFacts: CustomerFacts = {
    liveReward: customer.liveReward,
    referrals: customer.referrals,
    clicks: customer.clicks,
    dispute: customer.dispute,
    signals: facts.signals.get(referred.id) ?? [],
    reversals,
    ...salesBeside(sales, open.conversion),
  };
  const windowStart = new Date(now.getTime() - rules.velocityWindowHours * 3_600_000);
  const keys = clickKeys(customerFacts, referrer.id);
  // The referrer's facts without this claim (the one-event path excludes it by id).
  const referrerFacts: ReferrerFacts = {
    lifetime: referrerState.lifetime - 1,
    sameMonth: referrerState.sameMonth - 1,
    claimsInWindow: referrerState.claimsInWindow - (claim.createdAt >= windowStart ? 1 : 0),
    referralsInWindow: referrerState.referralsInWindow,
    clicksFromSameIp: Math.max(0, ...keys.ips.map((ip) => facts.clicksByIp.get(ip) ?? 0)),
    clicksFromSameDevice: Math.max(0, ...keys.devices.map((id) => facts.clicksByDevice.get(id) ?? 0)),
    exceptions: referrerState.exceptions,
    signals: facts.signals.get(referrer.id) ?? [],
    tax: referrerState.tax ? taxFactsWithoutClaim(referrerState.tax, claim) : undefined,
  };
  const result = evaluateEligibility(
    buildEligibilityContext({
      now,
      rules,
      chosen,
      referrer,
      referred,
      conversion: open.conversion,
      customer: customerFacts,
      referrerFacts,
      disposableDomains: facts.disposableDomains,
      claim: { amount: claim.amount, currency: claim.currency, rewardType: claim.rewardType },
    }),
  );
  const fresh = freshFlags(result.flags, open.flags);
  const raised = fresh.map((flag) => flag.type);
  const why =
    trigger.kind === 'sale' ? `conversion ${conversion.source}/${conversion.externalId} arrived` : trigger.why;
  const after = {
    ...claim,
    checks: result.checks,
    recommendation: result.recommendation,
    fraudScore: result.fraudScore,
    updatedAt: now,
  };
  const plan: RecheckPlan = {
    claim: after,
    flags: fresh,
    makers: exceptionMakersInForce(referrerFacts.exceptions, claim.reviewRound, now),
    audit: {
      action: 'reward.rechecked',
      objectType: 'reward',
      objectId: claim.id,
      before: { recommendation: claim.recommendation, fraudScore: claim.fraudScore },
      after: { recommendation: result.recommendation, fraudScore: result.fraudScore, newFlags: raised, why },
    },
  };
  // What later events of the batch see of this claim.
  open.row = after;
  open.reversals = reversals;
  open.flags = [
    ...open.flags,
    ...fresh.map((flag) => ({
      workspaceId: claim.workspaceId,
      id: '',
      rewardId: claim.id,
      type: flag.type,
      reason: flag.reason,
      evidence: flag.evidence,
      createdAt: now,
      resolvedAt: null,
      resolvedBy: null,
      resolvedByName: null,
      resolution: null,
    })),
  ];
  facts.pendingRechecks.add(claim.id);
  return {
    outcome:
      trigger.kind === 'refund'
        ? 'reversal_applied'
        : raised.includes('duplicate_claim')
          ? 'duplicate_flagged'
          : 'already_rewarded',
    rewardIds: [claim.id],
    recheck: plan,
  };
}

/** A sale as the customer's facts list it. */
function saleFact(conversion: ConversionRow): CustomerFacts['earlier'][number] {
  const { id, externalId, source, type, amount, currency, occurredAt } = conversion;
  return { id, externalId, source, type, amount, currency, occurredAt };
}

/**
 * The customer's other sales as the one-event loader reads them beside a claim's sale: possible
 * twins (same amount and currency) and the five earliest ("bought before").
 */
function salesBeside(
  sales: CustomerFacts['earlier'],
  sale: Pick<ConversionRow, 'id' | 'amount' | 'currency'>,
): Pick<CustomerFacts, 'twins' | 'earlier'> {
  // In the order the loader reads them (sale time, then the event's id byte by byte: collate "C"),
  // so evidence lists match.
  const others = sales
    .filter((row) => row.id !== sale.id)
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || byBytes(a.externalId, b.externalId));
  return {
    twins: others.filter((row) => row.amount === sale.amount && row.currency === sale.currency),
    earlier: others.slice(0, 5),
  };
}

/** Two ids as the loaders order them, `collate "C"`: by their UTF-8 bytes (not UTF-16 units, which differ past U+FFFF). */
function byBytes(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function mismatch(event: BatchEvent) {
  return new AppError(
    'conversion_mismatch',
    `Event ${event.source}/${event.input.externalId} was already received with different data; events are immutable. Send a refund or a new event instead.`,
    { field: 'externalId' },
  );
}

/** The conversion row an event makes (its outcome filled in by the run). */
export function conversionRow(event: BatchEvent, referred: ParticipantRow | undefined, now: Date): ConversionRow {
  const { input } = event;
  return {
    workspaceId: event.actor.workspaceId,
    id: event.conversionId,
    source: event.source,
    externalId: input.externalId,
    type: input.type,
    referredId: referred?.id ?? null,
    referredExternalId: input.referredExternalId ?? referred?.externalId ?? null,
    amount: input.amount,
    currency: input.currency,
    occurredAt: event.occurredAt,
    receivedAt: now,
    originalExternalId: input.originalExternalId ?? null,
    reversesConversionId: null,
    paymentFingerprint: input.paymentFingerprint ?? null,
    requestHash: event.hash,
    outcome: 'awaiting_participant',
    result: null,
    createdBy: event.actor.id,
  };
}

function addSignal(facts: BatchFacts, signal: { participantId: string; value: string; source: string }, now: Date) {
  const list = facts.signals.get(signal.participantId) ?? [];
  if (list.some((row) => row.kind === 'payment_fingerprint' && row.value === signal.value)) return;
  list.push({
    workspaceId: '',
    participantId: signal.participantId,
    kind: 'payment_fingerprint',
    value: signal.value,
    source: signal.source,
    firstSeenAt: now,
  } as SignalRow);
  facts.signals.set(signal.participantId, list);
}

function removeSignal(facts: BatchFacts, signal: { participantId: string; value: string; source: string }) {
  const list = facts.signals.get(signal.participantId);
  if (!list) return;
  const at = list.findIndex((row) => row.kind === 'payment_fingerprint' && row.source === signal.source);
  if (at >= 0) list.splice(at, 1);
}
