/**
 * The batch engine's invariant: for any stream of events, applying them one at a time (the
 * one-event path, a transaction each) and applying them in batches of random sizes leave the
 * same database — claims, amounts, ordinals, statuses, flags, disputes, reversals, audit — and
 * answer every event the same.
 */

import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConversionBatch } from '../../src/conversions/batch.service.js';
import { linkAwaitingConversions, recordConversionOneByOne } from '../../src/conversions/conversion.service.js';
import { rowsOf } from '../../src/db/json-rows.js';
import { inTransaction } from '../../src/db/transaction.js';
import type { Deps } from '../../src/deps.js';
import { ParticipantCreateSchema } from '../../src/participants/participant.schema.js';
import { insertParticipant } from '../../src/participants/participant.service.js';
import { RewardPolicyInputSchema } from '../../src/policy/policy.schema.js';
import { updatePolicy } from '../../src/policy/policy.service.js';
import { ReferralCreateSchema } from '../../src/referrals/referral.schema.js';
import { insertReferral } from '../../src/referrals/referral.service.js';
import type { Actor } from '../../src/shared/actor.js';
import { isAppError } from '../../src/shared/errors.js';
import { createWorkspace, getWorkspaceOrThrow } from '../../src/workspaces/workspace.service.js';
import { PUBLIC_URL } from '../support/app.js';
import { type Ctx, newContext } from '../support/factories.js';

const REFERRERS = 3;
const CUSTOMERS = 6;
const AMOUNTS = [800, 5000, 20000];

type Step =
  | { kind: 'sale'; customer: number; amount: number; byExternalId: boolean; fingerprint: boolean }
  /** `names`: the customer the refund itself names, by id or CRM id (any customer, not only the sale's). */
  | { kind: 'refund'; of: number; part: 'full' | 'half'; type: 'refund' | 'chargeback'; names: number | null }
  | { kind: 'replay'; of: number; tamper: boolean }
  | { kind: 'unknown_participant' }
  /** A customer who was unknown until now is added (their waiting events apply). */
  | { kind: 'appear'; customer: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('sale' as const),
      customer: fc.nat(CUSTOMERS - 1),
      amount: fc.constantFrom(...AMOUNTS),
      byExternalId: fc.boolean(),
      fingerprint: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      of: fc.nat(30),
      part: fc.constantFrom('full' as const, 'half' as const),
      type: fc.constantFrom('refund' as const, 'chargeback' as const),
      names: fc.option(fc.nat(CUSTOMERS - 1), { freq: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), of: fc.nat(30), tamper: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown_participant' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('appear' as const), customer: fc.nat(CUSTOMERS - 1) }) },
);

interface Scenario {
  referrals: number[][];
  lateCustomers: number[];
  /** A double-sided program with a milestone bonus: claims beside the referrer's. */
  extras: boolean;
  steps: Step[];
  cuts: number[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  /** Each customer's referrers (none, one, or two: a dispute). */
  referrals: fc.array(fc.uniqueArray(fc.nat(REFERRERS - 1), { maxLength: 2 }), {
    minLength: CUSTOMERS,
    maxLength: CUSTOMERS,
  }),
  /** Customers the CRM names before they are added here. */
  lateCustomers: fc.uniqueArray(fc.nat(CUSTOMERS - 1), { maxLength: 2 }),
  extras: fc.boolean(),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 30 }),
  /** Where the batches are cut (batch mode). */
  cuts: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 30, maxLength: 30 }),
});

interface World {
  deps: Deps;
  actor: Actor;
  workspaceId: string;
  customers: Map<number, string>;
}

describe('the batch engine', () => {
  let ctx: Ctx;
  let worlds = 0;
  beforeAll(async () => {
    ctx = await newContext();
  });
  afterAll(() => ctx.close());

  async function world(scenario: Scenario): Promise<World> {
    const db = ctx.database.db;
    const at = ctx.clock.now();
    const workspace = await createWorkspace(db, { name: `Batch world ${++worlds}`, at });
    const actor: Actor = {
      type: 'api_key',
      id: `key_world${worlds}`,
      name: 'Integration',
      role: 'owner',
      workspaceId: workspace.id,
    };
    const deps: Deps = { db, clock: ctx.clock, publicUrl: PUBLIC_URL };
    await updatePolicy(
      deps,
      actor,
      RewardPolicyInputSchema.parse({
        rewardType: 'gift_card',
        amount: 2500,
        currency: 'USD',
        tiers: [
          { fromReferral: 1, amount: 2500 },
          { fromReferral: 2, amount: 4000 },
          { fromReferral: 3, amount: 6000 },
        ],
        ...(scenario.extras
          ? {
              referredReward: { rewardType: 'account_credit', amount: 1500, when: 'conversion' },
              milestones: [{ atReferral: 2, amount: 10_000 }],
            }
          : {}),
      }),
    );
    const add = (input: Record<string, unknown>) =>
      inTransaction(db, async (tx) =>
        insertParticipant(
          tx,
          await getWorkspaceOrThrow(tx, workspace.id),
          actor,
          ParticipantCreateSchema.parse(input),
          at,
        ),
      );
    const referrers: string[] = [];
    for (let r = 0; r < REFERRERS; r++)
      referrers.push((await add({ name: `Referrer ${r}`, email: `referrer${r}@example.com` })).id);
    const customers = new Map<number, string>();
    for (let c = 0; c < CUSTOMERS; c++) {
      if (scenario.lateCustomers.includes(c) && (scenario.referrals[c] ?? []).length === 0) continue;
      const row = await add({ name: `Customer ${c}`, email: `customer${c}@example.com`, externalId: `cus-${c}` });
      customers.set(c, row.id);
      for (const r of scenario.referrals[c] ?? []) {
        await inTransaction(db, (tx) =>
          insertReferral(
            tx,
            { actor, at, publicUrl: PUBLIC_URL },
            ReferralCreateSchema.parse({ referrerId: referrers[r], referredId: row.id, source: 'manual' }),
          ),
        );
      }
    }
    return { deps, actor, workspaceId: workspace.id, customers };
  }

  /** The steps as conversion inputs (undefined for an `appear` step). */
  function inputsOf(steps: Step[], w: World) {
    const sales: { externalId: string; amount: number; customer: number }[] = [];
    const events: (Record<string, unknown> | { appear: number })[] = [];
    for (const [n, step] of steps.entries()) {
      if (step.kind === 'sale') {
        const externalId = `inv-${n}`;
        sales.push({ externalId, amount: step.amount, customer: step.customer });
        const known = w.customers.get(step.customer);
        events.push({
          externalId,
          type: 'invoice_paid',
          amount: step.amount,
          currency: 'USD',
          ...(step.byExternalId || !known ? { referredExternalId: `cus-${step.customer}` } : { referredId: known }),
          ...(step.fingerprint ? { paymentFingerprint: `card-${step.customer % 3}` } : {}),
        });
      } else if (step.kind === 'refund') {
        // A refund may name a sale of the stream that has not happened yet (it arrives first).
        const sale = sales[step.of % Math.max(sales.length, 1)] ?? { externalId: `inv-${step.of}`, amount: 5000 };
        events.push({
          externalId: `ref-${n}`,
          type: step.type,
          amount: step.part === 'full' ? sale.amount : Math.floor(sale.amount / 2),
          currency: 'USD',
          originalExternalId: sale.externalId,
          ...(step.names === null
            ? {}
            : w.customers.get(step.names) && step.of % 2 === 0
              ? { referredId: w.customers.get(step.names) }
              : { referredExternalId: `cus-${step.names}` }),
        });
      } else if (step.kind === 'replay') {
        const earlier = events.filter((event) => !('appear' in event));
        const original = earlier[step.of % Math.max(earlier.length, 1)];
        if (!original) continue;
        events.push(
          step.tamper ? { ...original, amount: ((original as { amount: number }).amount ?? 0) + 1 } : { ...original },
        );
      } else if (step.kind === 'unknown_participant') {
        events.push({
          externalId: `bad-${n}`,
          type: 'deal_won',
          amount: 100,
          currency: 'USD',
          referredId: 'par_doesnotexist0000000000',
        });
      } else {
        events.push({ appear: step.customer });
      }
    }
    return events;
  }

  async function appear(w: World, customer: number) {
    if (w.customers.has(customer)) return;
    const db = w.deps.db;
    const at = ctx.clock.now();
    const env = { actor: w.actor, at, publicUrl: PUBLIC_URL };
    const row = await inTransaction(db, async (tx) => {
      const created = await insertParticipant(
        tx,
        await getWorkspaceOrThrow(tx, w.workspaceId),
        w.actor,
        ParticipantCreateSchema.parse({
          name: `Customer ${customer}`,
          email: `customer${customer}@example.com`,
          externalId: `cus-${customer}`,
        }),
        at,
      );
      await linkAwaitingConversions(tx, env, created);
      return created;
    });
    w.customers.set(customer, row.id);
  }

  type Answer = [number, string];

  async function oneByOne(w: World, events: ReturnType<typeof inputsOf>): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (const event of events) {
      if ('appear' in event) {
        await appear(w, event.appear as number);
        continue;
      }
      try {
        const { created, body } = await recordConversionOneByOne(w.deps, w.actor, event as never);
        answers.push([created ? 201 : 200, body.outcome]);
      } catch (error) {
        if (!isAppError(error)) throw error;
        answers.push([error.status, error.code]);
      }
    }
    return answers;
  }

  async function batched(w: World, events: ReturnType<typeof inputsOf>, cuts: number[]): Promise<Answer[]> {
    const answers: Answer[] = [];
    let batch: Record<string, unknown>[] = [];
    let cut = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const results = await runConversionBatch(
        w.deps,
        batch.map((input) => ({ actor: w.actor, input: input as never })),
      );
      for (const result of results) {
        answers.push(result.error ? [result.status, result.error.code] : [result.status, result.body?.outcome ?? '?']);
      }
      batch = [];
    };
    for (const event of events) {
      if ('appear' in event) {
        await flush();
        await appear(w, event.appear as number);
        continue;
      }
      batch.push(event);
      if (batch.length >= (cuts[cut % cuts.length] ?? 3)) {
        cut++;
        await flush();
      }
    }
    await flush();
    return answers;
  }

  /** The workspace as a person would compare it: no ids, no times. */
  async function dump(workspaceId: string) {
    const q = async (query: ReturnType<typeof sql>) =>
      rowsOf<Record<string, unknown>>(await ctx.database.db.execute(query));
    return {
      conversions: await q(sql`
        select c.external_id, c.type, c.outcome, p.name as referred, o.external_id as reverses, c.amount
        from conversions c left join participants p on p.workspace_id = c.workspace_id and p.id = c.referred_id
        left join conversions o on o.workspace_id = c.workspace_id and o.id = c.reverses_conversion_id
        where c.workspace_id = ${workspaceId} order by c.external_id`),
      rewards: await q(sql`
        select c.external_id as conversion, r.kind, r.milestone, f.name as referrer, d.name as referred,
          y.name as payee, r.ordinal, r.amount, r.status,
          r.recommendation, r.fraud_score, r.review_round, r.calculation, r.closed_reason, r.checks
        from rewards r join conversions c on c.workspace_id = r.workspace_id and c.id = r.conversion_id
        join participants f on f.workspace_id = r.workspace_id and f.id = r.referrer_id
        join participants d on d.workspace_id = r.workspace_id and d.id = r.referred_id
        join participants y on y.workspace_id = r.workspace_id and y.id = r.payee_id
        where r.workspace_id = ${workspaceId} order by c.external_id, r.kind`),
      flags: await q(sql`
        select c.external_id as conversion, r.kind, g.type, g.reason, g.evidence, g.resolved_at is not null as resolved
        from reward_flags g join rewards r on r.workspace_id = g.workspace_id and r.id = g.reward_id
        join conversions c on c.workspace_id = r.workspace_id and c.id = r.conversion_id
        where g.workspace_id = ${workspaceId} order by 1, 2, 3, 4`),
      makers: await q(sql`
        select c.external_id as conversion, r.kind, m.maker_id, m.reason, m.round
        from reward_makers m join rewards r on r.workspace_id = m.workspace_id and r.id = m.reward_id
        join conversions c on c.workspace_id = r.workspace_id and c.id = r.conversion_id
        where m.workspace_id = ${workspaceId} order by 1, 2, 3, 4, 5`),
      disputes: await q(sql`
        select p.name as referred, d.status, d.reason, c.external_id as conversion
        from disputes d join participants p on p.workspace_id = d.workspace_id and p.id = d.referred_id
        left join rewards r on r.workspace_id = d.workspace_id and r.id = d.reward_id
        left join conversions c on c.workspace_id = r.workspace_id and c.id = r.conversion_id
        where d.workspace_id = ${workspaceId} order by 1, 2`),
      recoveries: await q(sql`
        select c.external_id as trigger, t.kind, t.amount from recovery_tasks t
        join conversions c on c.workspace_id = t.workspace_id and c.id = t.conversion_id
        where t.workspace_id = ${workspaceId} order by 1, 2`),
      signals: await q(sql`
        select p.name, s.kind, s.value, s.source from participant_signals s
        join participants p on p.workspace_id = s.workspace_id and p.id = s.participant_id
        where s.workspace_id = ${workspaceId} order by 1, 2, 3`),
      audit: await q(sql`
        select action, object_type, after->>'why' as why, count(*)::int as n from audit_events
        where workspace_id = ${workspaceId} and action not in ('workspace.created', 'participant.created', 'referral.created', 'reward_policy.updated')
        group by 1, 2, 3 order by 1, 2, 3`),
      messages: await q(sql`
        select kind, channel, status, count(*)::int as n from messages where workspace_id = ${workspaceId}
        group by 1, 2, 3 order by 1, 2, 3`),
    };
  }

  it('leaves the same database as one event at a time, whatever the batch sizes', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const alone = await world(scenario);
        const grouped = await world(scenario);
        const answersAlone = await oneByOne(alone, inputsOf(scenario.steps, alone));
        const answersGrouped = await batched(grouped, inputsOf(scenario.steps, grouped), scenario.cuts);
        expect(answersGrouped).toEqual(answersAlone);
        // Evidence and checks name rows by id: the two worlds' ids differ, what they name does not.
        const anonymousIds = (value: unknown) =>
          JSON.parse(JSON.stringify(value).replace(/\b[a-z]{2,5}_[0-9A-HJKMNP-TV-Z]{26}\b/g, 'id'));
        const [a, b] = [anonymousIds(await dump(alone.workspaceId)), anonymousIds(await dump(grouped.workspaceId))];
        // Makers name the actor; both worlds' actors differ only by id.
        const anonymous = (rows: Record<string, unknown>[]) =>
          rows.map((row) => ({ ...row, maker_id: String(row.maker_id).replace(/key_world\d+/, 'key') }));
        expect({ ...b, makers: anonymous(b.makers) }).toEqual({ ...a, makers: anonymous(a.makers) });
      }),
      { numRuns: Number(process.env.BATCH_PROPERTY_RUNS ?? 40) },
    );
  }, 240_000);
});
