/**
 * The batch engine's service: locks and loads the facts of a whole batch set-based, asks the pure
 * engine (batch.core.ts) what each event does, writes the rows with multi-row statements, and
 * hands the events the engine cannot decide in memory to the one-event path in the same
 * transaction. Every path that records conversions comes here: the single route (through the
 * in-process batcher), the batch route, imports and integrations.
 */
import { sql } from 'drizzle-orm';
import { recordAuditMany } from '../audit/index.js';
import type { Db, Tx } from '../db/client.js';
import { keepStatistics, noteWrites } from '../db/statistics.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { DISPOSABLE_DOMAINS } from '../eligibility/index.js';
import { countConversion } from '../ops/index.js';
import {
  addSignalsMany,
  findParticipantsByIds,
  lockParticipantsInOrder,
  type ParticipantRow,
  signalsOfParticipants,
} from '../participants/index.js';
import { policyTerms, rulesTerms } from '../policy/index.js';
import {
  autoApproveNewClaims,
  type ClaimEnv,
  claimCreatedAudit,
  claimRow,
  clickCounts,
  insertNewClaims,
  isOpen,
  loadCustomersFacts,
  loadOpenClaims,
  loadProgramTerms,
  loadReferrersFacts,
  type NewClaim,
  newClaimMakers,
  presentNewClaims,
  presentRewardsByIds,
  type RewardRow,
  referralsOfCustomers,
  writeRechecks,
} from '../rewards/index.js';
import { type Actor, personOf } from '../shared/actor.js';
import { AppError, isAppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { isReversal } from '../shared/vocabulary.js';
import { enqueueWebhookEvents } from '../webhooks/index.js';
import {
  applyEvents,
  type BatchEvent,
  type BatchFacts,
  type EventPlan,
  eventKey,
  type SaleState,
} from './batch.core.js';
import {
  existingConversions,
  insertConversions,
  lockSales,
  salesOf,
  salesWithEarlyReversals,
  setConversionResults,
} from './batch.repo.js';
import { type ConversionInput, type ConversionResult, OUTCOME_TEXT } from './conversion.schema.js';
import { DEFAULT_SOURCE, eventHash, presentConversion, recordConversionInTx } from './conversion.service.js';

/** What one event of a batch came to: the HTTP status it would have had alone, and its answer or problem. */
export interface BatchEventResult {
  index: number;
  status: number;
  body?: ConversionResult;
  error?: AppError;
}

export interface EventRequest {
  actor: Actor;
  input: ConversionInput;
}

const WINDOW_MONTH = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));

/**
 * Records events of one workspace in one transaction, each with its own result, in input order.
 * A client mistake in one event is that event's result. An unexpected failure re-runs the
 * events one transaction each, so only the failing one fails.
 */
export async function runConversionBatch(deps: Deps, requests: EventRequest[]): Promise<BatchEventResult[]> {
  if (requests.length === 0) return [];
  const results = await applyBatch(deps, deps.db, requests);
  let conversions = 0;
  let rewards = 0;
  for (const result of results) {
    if (result.body) countConversion(result.body.outcome, result.status === 200);
    if (result.status === 201 && result.body) {
      conversions += 1;
      rewards += result.body.rewards.length;
    }
  }
  noteWrites(deps.db, { conversions, rewards, reward_flags: rewards });
  await keepStatistics(deps.db);
  return results;
}

/** The batch in a transaction of `db` (a savepoint when `db` is a transaction); after a failure, each event alone. */
async function applyBatch(deps: Deps, db: Db | Tx, requests: EventRequest[]): Promise<BatchEventResult[]> {
  if (requests.length === 0) return [];
  const workspaceId = requests[0]?.actor.workspaceId;
  if (requests.some((request) => request.actor.workspaceId !== workspaceId)) {
    throw new Error('a conversion batch spans workspaces');
  }
  try {
    return await inTransaction(db, (tx) => applyBatchInTx(tx, deps, requests));
  } catch (error) {
    if (requests.length === 1) throw error;
    const results: BatchEventResult[] = [];
    for (const [index, request] of requests.entries()) {
      try {
        const [alone] = await applyBatch(deps, db, [request]);
        results.push({ ...(alone as BatchEventResult), index });
      } catch (failure) {
        results.push({
          index,
          status: 500,
          error: new AppError('internal', 'This event could not be recorded.', { cause: failure }),
        });
      }
    }
    return results;
  }
}

/**
 * Records many events of one actor, in order, in batches of up to 1,000 (imports, integrations).
 * `within`: in that open transaction, each batch a savepoint of it, so the caller's work and the
 * events commit or roll back together; nothing is counted (metrics, statistics): the caller
 * counts what committed.
 */
export async function recordConversions(
  deps: Deps,
  actor: Actor,
  inputs: ConversionInput[],
  options: { within?: Tx } = {},
): Promise<BatchEventResult[]> {
  const results: BatchEventResult[] = [];
  for (let from = 0; from < inputs.length; from += 1000) {
    const part = inputs.slice(from, from + 1000).map((input) => ({ actor, input }));
    const done = options.within ? await applyBatch(deps, options.within, part) : await runConversionBatch(deps, part);
    for (const result of done) results.push({ ...result, index: from + result.index });
  }
  return results;
}

/** One event through the engine; a client mistake is thrown as the problem it is. */
export async function recordConversion(deps: Deps, actor: Actor, input: ConversionInput) {
  const [result] = await runConversionBatch(deps, [{ actor, input }]);
  if (!result) throw new Error('the engine answered nothing');
  if (result.error) throw result.error;
  return { created: result.status === 201, body: result.body as ConversionResult };
}

async function applyBatchInTx(tx: Tx, deps: Deps, requests: EventRequest[]): Promise<BatchEventResult[]> {
  const at = deps.clock.now();
  const workspaceId = requests[0]?.actor.workspaceId as string;
  const events: BatchEvent[] = requests.map(({ actor, input }, index) => ({
    index,
    actor,
    input,
    source: input.source ?? DEFAULT_SOURCE,
    occurredAt: input.occurredAt ? new Date(input.occurredAt) : at,
    hash: eventHash(input),
    conversionId: newId('conversion', at.getTime()),
    rewardId: newId('reward', at.getTime()),
  }));
  await lockEventNames(tx, workspaceId, events);
  // The sales the batch's refunds name, stored: whether a refund can be decided in memory, and
  // whether one for the one-event path can run before unwritten plans.
  const named = events.flatMap((event) =>
    isReversal(event.input.type) && event.input.originalExternalId
      ? [{ source: event.source, externalId: event.input.originalExternalId }]
      : [],
  );
  const sales = await salesOf(tx, workspaceId, named);
  const facts = await loadFacts(tx, workspaceId, events, at, sales, [
    ...new Set([...sales.values()].flatMap((sale) => (sale.referredId ? [sale.referredId] : []))),
  ]);
  if (sales.size > 0) {
    // Their rows locked after their customers' (the order in which a waiting sale is linked), and
    // read again: a claim made on one meanwhile (a late referral, a waiting sale linked to its
    // customer) is seen, as the one-event path sees it after the same lock. A sale whose customer
    // changed meanwhile is not in the facts: a refund of its claim goes the one-event way.
    await lockSales(
      tx,
      workspaceId,
      [...sales.values()].map((sale) => sale.id),
    );
    facts.sales = await salesOf(tx, workspaceId, named);
  }
  const results: BatchEventResult[] = new Array(events.length);
  // Planned, not yet written: written together, or before an event of the one-event path that
  // reads what they would change.
  let unwritten: EventPlan[] = [];
  const seen = new Map<string, { hash: string; index: number }>();
  const flush = async () => {
    for (const result of await writePlans(tx, deps, facts, unwritten, at)) {
      results[result.index] = result;
      const event = events[result.index] as BatchEvent;
      const key = eventKey(event.source, event.input.externalId);
      if (result.status === 201 && result.body) {
        facts.existing.set(key, { requestHash: event.hash, result: result.body });
        seen.delete(key);
      }
    }
    unwritten = [];
    facts.pendingRechecks.clear();
  };
  let pending = events;
  while (pending.length > 0) {
    const { plans, stoppedAt } = applyEvents(facts, pending, at, seen);
    unwritten.push(...plans);
    if (stoppedAt === null) break;
    const event = pending[stoppedAt] as BatchEvent;
    if (readsUnwritten(facts, event, unwritten)) await flush();
    results[event.index] = await oneByOne(tx, deps, event, at);
    const answer = results[event.index]?.body;
    if (answer) {
      // A later refund may name it. A sale's claims: any claim answered counts (a claim of another
      // sale only sends a refund of this one the one-event way, which is right whatever the
      // claims are); a refund has none of its own.
      facts.sales.set(eventKey(event.source, event.input.externalId), {
        id: answer.conversion.id,
        referredId: answer.conversion.referredId,
        claims: isReversal(event.input.type) ? 0 : answer.rewards.length,
      });
    }
    await refreshAfter(tx, facts, event, results[event.index] as BatchEventResult, at);
    pending = pending.slice(stoppedAt + 1);
  }
  await flush();
  return results;
}

/**
 * Whether an event for the one-event path could read what the unwritten plans would write: its
 * customers' or their referrers' claims, conversions or signals. A refund reads those of its
 * sale's customer and of any customer it names itself (the payee's too, when a claim of the sale
 * pays someone else); one of a sale not recorded yet reads nothing of anyone's (it waits for the
 * sale). The others go first: their writes touch nothing the plans read or write. Written later,
 * the plans' rows are the same; only the order of their audit and webhook events differs.
 */
function readsUnwritten(facts: BatchFacts, event: BatchEvent, unwritten: EventPlan[]): boolean {
  if (unwritten.length === 0) return false;
  const { input } = event;
  // A sale links the refunds that came before it, and reads them.
  if (
    !isReversal(input.type) &&
    unwritten.some(
      (plan) =>
        plan.kind === 'record' &&
        isReversal(plan.event.input.type) &&
        plan.event.source === event.source &&
        plan.event.input.originalExternalId === input.externalId,
    )
  ) {
    return true;
  }
  const named =
    input.referredId ?? (input.referredExternalId ? facts.byExternalId.get(input.referredExternalId) : undefined);
  if ((input.referredId || input.referredExternalId) && !named) return true;
  const customerIds = named ? [named] : [];
  if (isReversal(input.type)) {
    // Without the sale's id, the refund finds the sale from the customer's live claim.
    if (!input.originalExternalId) return true;
    const sale = eventKey(event.source, input.originalExternalId);
    if (
      unwritten.some(
        (plan) => plan.kind === 'record' && eventKey(plan.event.source, plan.event.input.externalId) === sale,
      )
    ) {
      return true;
    }
    const stored = facts.sales.get(sale);
    if (stored) {
      if (!stored.referredId) return true;
      customerIds.push(stored.referredId);
    } else if (customerIds.length === 0) {
      return false;
    }
  }
  if (customerIds.length === 0) return true;
  const touched = new Set<string>();
  for (const id of customerIds) {
    const customer = facts.customers.get(id);
    if (!customer) return true;
    touched.add(id);
    for (const row of customer.referrals) touched.add(row.referral.referrerId);
    if (isReversal(input.type) && customer.liveReward) {
      // The refunded claim's payee: their tax year is re-read. Known only while the claim is open.
      if (!customer.openClaim || customer.openClaim.row.id !== customer.liveReward.id) return true;
      touched.add(customer.openClaim.row.payeeId);
    }
  }
  return unwritten.some(
    (plan) =>
      plan.kind === 'record' &&
      ((plan.conversion.referredId !== null && touched.has(plan.conversion.referredId)) ||
        (plan.claim !== undefined && touched.has(plan.claim.referrer.id)) ||
        // A refund re-checks its sale's claim, whoever the refund itself names.
        (plan.recheck !== undefined &&
          [plan.recheck.claim.referredId, plan.recheck.claim.referrerId, plan.recheck.claim.payeeId].some((id) =>
            touched.has(id),
          ))),
  );
}

/**
 * The names events about one sale or one CRM id lock (a refund and its sale, a conversion and the
 * customer it names), all of them, in one order, before anything is read.
 */
async function lockEventNames(tx: Tx, workspaceId: string, events: BatchEvent[]) {
  const names = new Set<string>();
  for (const { input, source } of events) {
    if (input.referredExternalId) names.add(`participant-external:${workspaceId}:${input.referredExternalId}`);
    const saleId = isReversal(input.type) ? input.originalExternalId : input.externalId;
    if (saleId) names.add(`sale:${workspaceId}:${source}:${saleId}`);
  }
  if (names.size === 0) return;
  await tx.execute(sql`
    select pg_advisory_xact_lock(k) from (
      select distinct hashtextextended(n, 0) as k from jsonb_array_elements_text(${JSON.stringify([...names])}::jsonb) as n
      order by k) as ordered`);
}

async function loadFacts(
  tx: Tx,
  workspaceId: string,
  events: BatchEvent[],
  at: Date,
  sales: Map<string, SaleState>,
  /** Customers the events do not name but whose facts the batch needs (refunded sales' customers). */
  alsoCustomers: string[] = [],
): Promise<BatchFacts> {
  const ids = [...new Set(events.flatMap((event) => (event.input.referredId ? [event.input.referredId] : [])))];
  const externalIds = [
    ...new Set(events.flatMap((event) => (event.input.referredExternalId ? [event.input.referredExternalId] : []))),
  ];
  const terms = await loadProgramTerms(tx, workspaceId);
  const policy = policyTerms(terms.policy);
  const rules = rulesTerms(terms.rules);
  const found = await findParticipantsByIds(tx, workspaceId, ids, externalIds);
  const facts: BatchFacts = {
    programId: terms.programId,
    policy,
    rules,
    existing: await existingConversions(
      tx,
      workspaceId,
      events.map((event) => ({ source: event.source, externalId: event.input.externalId })),
    ),
    participants: new Map(),
    byExternalId: new Map(),
    customers: new Map(),
    referrers: new Map(),
    signals: new Map(),
    earlyReversals: await salesWithEarlyReversals(
      tx,
      workspaceId,
      events
        .filter((event) => !isReversal(event.input.type))
        .map((event) => ({ source: event.source, externalId: event.input.externalId })),
    ),
    sales,
    clicksByIp: new Map(),
    clicksByDevice: new Map(),
    disposableDomains: DISPOSABLE_DOMAINS,
    pendingRechecks: new Set(),
  };
  await loadPeople(tx, facts, workspaceId, [...new Set([...found.map((row) => row.id), ...alsoCustomers])], at);
  return facts;
}

/**
 * Locks the customers and their referrers (one statement, id order), then loads their facts:
 * counts read after the locks include every claim committed before ours.
 */
async function loadPeople(tx: Tx, facts: BatchFacts, workspaceId: string, customerIds: string[], at: Date) {
  if (customerIds.length === 0) return;
  const { rules } = facts;
  const windowStart = new Date(at.getTime() - rules.velocityWindowHours * 3_600_000);
  // Who refers them, to lock those rows too (read again below, under the locks).
  const referrals = await referralsOfCustomers(tx, workspaceId, customerIds);
  const referrerIds = [
    ...new Set([...referrals.values()].flatMap((list) => list.map((item) => item.referral.referrerId))),
  ];
  const people = [...new Set([...customerIds, ...referrerIds])];
  const locked = await lockParticipantsInOrder(tx, workspaceId, people);
  // Referrals of a customer are recorded under that customer's lock: read again now that we hold it.
  const settled = await loadCustomersFacts(tx, {
    workspaceId,
    programId: facts.programId,
    referredIds: customerIds,
    qualifyingTypes: rules.qualifyingTypes,
  });
  const settledReferrers = [
    ...new Set([...settled.values()].flatMap((row) => row.referrals.map((item) => item.referral.referrerId))),
  ];
  const late = settledReferrers.filter((id) => !people.includes(id));
  const rows: ParticipantRow[] = [...locked, ...(await lockParticipantsInOrder(tx, workspaceId, late))];
  for (const row of rows) {
    facts.participants.set(row.id, row);
    if (row.externalId) facts.byExternalId.set(row.externalId, row.id);
  }
  const open = await loadOpenClaims(
    tx,
    workspaceId,
    [...settled.values()].flatMap((row) =>
      row.liveReward && isOpen(row.liveReward.status) ? [row.liveReward.id] : [],
    ),
  );
  for (const [id, row] of settled) {
    facts.customers.set(id, { ...row, openClaim: row.liveReward ? open.get(row.liveReward.id) : undefined });
  }
  const referrers = await loadReferrersFacts(tx, {
    workspaceId,
    programId: facts.programId,
    referrerIds: settledReferrers,
    monthStart: WINDOW_MONTH(at),
    windowStart,
  });
  for (const [id, row] of referrers) facts.referrers.set(id, row);
  const signals = await signalsOfParticipants(tx, workspaceId, [...new Set([...customerIds, ...settledReferrers])]);
  for (const id of [...customerIds, ...settledReferrers]) facts.signals.set(id, signals.get(id) ?? []);
  const clicks = [...settled.values()].flatMap((row) => row.clicks);
  const counts = await clickCounts(tx, {
    workspaceId,
    ips: [...new Set(clicks.flatMap((click) => (click.ip ? [click.ip] : [])))],
    devices: [...new Set(clicks.flatMap((click) => (click.deviceId ? [click.deviceId] : [])))],
    windowStart,
  });
  for (const [key, count] of counts.byIp) facts.clicksByIp.set(key, count);
  for (const [key, count] of counts.byDevice) facts.clicksByDevice.set(key, count);
}

/** Writes what the engine decided, a statement per kind, and answers each event. */
async function writePlans(
  tx: Tx,
  deps: Deps,
  facts: BatchFacts,
  plans: EventPlan[],
  at: Date,
): Promise<BatchEventResult[]> {
  if (plans.length === 0) return [];
  const workspaceId = plans[0]?.event.actor.workspaceId as string;
  const recorded = plans.filter((plan) => plan.kind === 'record');
  // The claims' rows, whole: written as they are and presented from memory, so each event's
  // answer is known before its conversion row is written (one INSERT, no read back, no UPDATE).
  const claims: (NewClaim & { plan: (typeof recorded)[number] })[] = recorded.flatMap((plan) => {
    const claim = plan.claim;
    if (!claim) return [];
    const values = claimRow({
      id: plan.event.rewardId,
      workspaceId,
      programId: facts.programId,
      policy: facts.policy,
      rules: facts.rules,
      chosen: claim.chosen,
      referrerId: claim.referrer.id,
      referredId: plan.conversion.referredId as string,
      conversionId: plan.conversion.id,
      decision: claim.decision,
      actor: plan.event.actor,
      at,
    });
    const row: RewardRow = {
      ...values,
      reviewRound: 1,
      notes: null,
      approvedAt: null,
      approvalRecord: null,
      sentAt: null,
      sentBy: null,
      sentByName: null,
      sentReference: null,
      thankedAt: null,
      closedAt: null,
      closedReason: null,
      discountCode: null,
      amountChangedBy: null,
      payeeChangedBy: null,
    };
    return [
      {
        plan,
        actor: plan.event.actor,
        row,
        flags: claim.decision.result.flags.map((flag) => ({
          workspaceId,
          id: newId('flag', at.getTime()),
          rewardId: row.id,
          type: flag.type,
          reason: flag.reason,
          evidence: flag.evidence,
          createdAt: at,
          resolvedAt: null,
          resolvedBy: null,
          resolvedByName: null,
          resolution: null,
        })),
        makers: newClaimMakers({
          creator: { id: personOf(plan.event.actor), name: plan.event.actor.name },
          chosen: claim.chosen,
          exceptions: claim.exceptions,
          round: 1,
          at,
        }),
        audit: claimCreatedAudit({
          row,
          decision: claim.decision,
          conversionId: plan.conversion.id,
          referralId: claim.chosen.referral.id,
        }),
      },
    ];
  });
  const newClaims = presentNewClaims(
    claims.map((claim) => {
      const referred = facts.participants.get(claim.row.referredId) as ParticipantRow;
      return {
        reward: claim.row,
        referrer: claim.plan.claim?.referrer as ParticipantRow,
        referred,
        conversion: claim.plan.conversion,
        flags: claim.flags,
      };
    }),
    facts.rules,
  );
  // Claims that existed before the batch (an event that finds its customer's claim closed).
  const older = recorded.flatMap((plan) => (plan.claim || plan.recheck ? [] : plan.rewardIds));
  const presented = [...newClaims, ...(await presentRewardsByIds(tx, workspaceId, [...new Set(older)]))];
  const byId = new Map(presented.map((reward) => [reward.id, reward]));
  const bodies = new Map<number, ConversionResult>();
  const results: BatchEventResult[] = [];
  for (const plan of recorded) {
    const body: ConversionResult = {
      conversion: presentConversion(plan.conversion),
      outcome: plan.outcome,
      outcomeText: OUTCOME_TEXT[plan.outcome],
      rewards: plan.rewardIds.flatMap((id) => {
        const reward = byId.get(id);
        return reward ? [reward] : [];
      }),
    };
    bodies.set(plan.event.index, body);
    results.push({ index: plan.event.index, status: 201, body });
  }
  await insertConversions(
    tx,
    recorded.map((plan) => ({ ...plan.conversion, result: bodies.get(plan.event.index) ?? null })),
  );
  await addSignalsMany(
    tx,
    workspaceId,
    recorded.flatMap((plan) => (plan.signal ? [{ ...plan.signal, kind: 'payment_fingerprint' as const }] : [])),
    at,
  );
  await insertNewClaims(tx, workspaceId, claims, at);
  const rechecks = recorded.flatMap((plan) => (plan.recheck ? [{ plan, recheck: plan.recheck }] : []));
  await writeRechecks(
    tx,
    workspaceId,
    rechecks.map(({ plan, recheck }) => ({
      actor: plan.event.actor,
      claim: recheck.claim,
      flags: recheck.flags.map((flag) => ({
        workspaceId,
        id: newId('flag', at.getTime()),
        rewardId: recheck.claim.id,
        type: flag.type,
        reason: flag.reason,
        evidence: flag.evidence,
        createdAt: at,
        resolvedAt: null,
        resolvedBy: null,
        resolvedByName: null,
        resolution: null,
      })),
      makers: recheck.makers,
      audit: recheck.audit,
    })),
    at,
  );
  if (rechecks.length > 0) {
    // A re-checked claim is answered as it now is (its approvals, messages and all), read back.
    const now = new Map(
      (
        await presentRewardsByIds(
          tx,
          workspaceId,
          rechecks.map(({ recheck }) => recheck.claim.id),
        )
      ).map((reward) => [reward.id, reward]),
    );
    const answered: { id: string; result: unknown }[] = [];
    for (const { plan } of rechecks) {
      const body = bodies.get(plan.event.index);
      if (!body) continue;
      body.rewards = plan.rewardIds.flatMap((id) => {
        const reward = now.get(id);
        return reward ? [reward] : [];
      });
      answered.push({ id: plan.conversion.id, result: body });
    }
    await setConversionResults(tx, workspaceId, answered);
  }
  const approved = await autoApproveNewClaims(
    tx,
    claims.map((claim) => ({
      env: { actor: claim.actor, at, publicUrl: deps.publicUrl },
      row: claim.row,
      flags: claim.flags.length,
    })),
    facts.rules,
  );
  if (approved.length > 0) {
    // An auto-approved claim changed after it was presented: its events answer what it is now.
    const now = new Map((await presentRewardsByIds(tx, workspaceId, approved)).map((reward) => [reward.id, reward]));
    const changed: { id: string; result: unknown }[] = [];
    for (const plan of recorded) {
      const body = bodies.get(plan.event.index);
      if (!body || !plan.rewardIds.some((id) => now.has(id))) continue;
      body.rewards = body.rewards.map((reward) => now.get(reward.id) ?? reward);
      changed.push({ id: plan.conversion.id, result: body });
    }
    await setConversionResults(tx, workspaceId, changed);
  }
  await recordAuditMany(
    tx,
    at,
    recorded.map((plan) => ({
      actor: plan.event.actor,
      entry: {
        action: 'conversion.recorded',
        objectType: 'conversion',
        objectId: plan.conversion.id,
        after: {
          source: plan.conversion.source,
          externalId: plan.conversion.externalId,
          type: plan.conversion.type,
          amount: plan.conversion.amount,
          currency: plan.conversion.currency,
          outcome: plan.outcome,
          rewardIds: plan.rewardIds,
        },
      },
    })),
  );
  await enqueueWebhookEvents(
    tx,
    workspaceId,
    recorded.map((plan) => ({ type: 'conversion.recorded' as const, objectId: plan.conversion.id, at })),
  );
  for (const plan of plans) {
    if (plan.kind === 'error') results.push({ index: plan.event.index, status: plan.error.status, error: plan.error });
    if (plan.kind === 'replay') {
      results.push({ index: plan.event.index, status: 200, body: plan.result as ConversionResult });
    }
    if (plan.kind === 'replay_of') {
      const body = bodies.get(plan.ofIndex);
      results.push(
        body
          ? { index: plan.event.index, status: 200, body }
          : {
              index: plan.event.index,
              status: 409,
              error: new AppError('idempotency_in_progress', 'This event is being recorded; retry shortly.'),
            },
      );
    }
  }
  return results;
}

/** An event the engine cannot decide in memory, through the one-event path, in a savepoint. */
async function oneByOne(tx: Tx, deps: Deps, event: BatchEvent, at: Date): Promise<BatchEventResult> {
  const env: ClaimEnv = { actor: event.actor, at, publicUrl: deps.publicUrl };
  try {
    const { created, body } = await tx.transaction((savepoint) => recordConversionInTx(savepoint, env, event.input));
    return { index: event.index, status: created ? 201 : 200, body };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { index: event.index, status: error.status, error };
  }
}

/** What the one-event path may have changed, read again: its customer, their referrers, the claims it touched. */
async function refreshAfter(tx: Tx, facts: BatchFacts, event: BatchEvent, result: BatchEventResult, at: Date) {
  if (result.body) {
    facts.existing.set(eventKey(event.source, event.input.externalId), {
      requestHash: event.hash,
      result: result.body,
    });
  }
  if (isReversal(event.input.type) && event.input.originalExternalId && result.body?.outcome === 'reversal_pending') {
    facts.earlyReversals.add(eventKey(event.source, event.input.originalExternalId));
  }
  const workspaceId = event.actor.workspaceId;
  const customers = new Set<string>();
  const referredId = result.body?.conversion.referredId;
  if (referredId) customers.add(referredId);
  for (const reward of result.body?.rewards ?? []) customers.add(reward.referred.id);
  if (customers.size === 0) return;
  await loadPeople(tx, facts, workspaceId, [...customers], at);
}
