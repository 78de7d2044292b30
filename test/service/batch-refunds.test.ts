/**
 * A refund in a batch runs before the batch's earlier events are written when it cannot read what
 * they write (conversions/batch.service.ts readsUnwritten). Found by a review: a refund naming a
 * customer other than its sale's reloaded that customer's referrer from the database, losing the
 * claim an earlier, unwritten event of the batch had given them; the next claim got the wrong tier.
 */
import { sql } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import { runConversionBatch } from '../../src/conversions/batch.service.js';
import { recordConversionOneByOne } from '../../src/conversions/conversion.service.js';
import { rowsOf } from '../../src/db/json-rows.js';
import { type Ctx, newContext, newParticipant, newReferral, setPolicy } from '../support/factories.js';

const contexts: Ctx[] = [];
afterAll(() => Promise.all(contexts.map((ctx) => ctx.close())));

/** P refers C; P2 refers R and E; C's sale s1 is recorded (its claim). Then: R buys, a refund of s1 naming R, E buys. */
async function world() {
  const ctx = await newContext();
  contexts.push(ctx);
  await setPolicy(ctx, {
    rewardType: 'gift_card',
    amount: 2500,
    currency: 'USD',
    tiers: [
      { fromReferral: 1, amount: 2500 },
      { fromReferral: 2, amount: 4000 },
    ],
  });
  const add = (name: string) => newParticipant(ctx, { name, email: `${name.toLowerCase()}@example.com` });
  const [p, p2, c, r, e] = [await add('P'), await add('P2'), await add('C'), await add('R'), await add('E')];
  await newReferral(ctx, p, c);
  await newReferral(ctx, p2, r);
  await newReferral(ctx, p2, e);
  await recordConversionOneByOne(ctx.deps, ctx.owner, {
    externalId: 's1',
    type: 'invoice_paid',
    amount: 5000,
    currency: 'USD',
    referredId: c.id,
  });
  const events = [
    { externalId: 's2', type: 'invoice_paid' as const, amount: 5000, currency: 'USD', referredId: r.id },
    {
      externalId: 'ref1',
      type: 'refund' as const,
      amount: 5000,
      currency: 'USD',
      originalExternalId: 's1',
      referredId: r.id,
    },
    { externalId: 's3', type: 'invoice_paid' as const, amount: 5000, currency: 'USD', referredId: e.id },
  ];
  return { ctx, events };
}

const claims = async ({ ctx }: { ctx: Ctx }) =>
  rowsOf<Record<string, unknown>>(
    await ctx.database.db.execute(sql`
      select c.external_id, r.ordinal::int as ordinal, r.amount::int as amount, r.status::text as status, f.name as referrer from rewards r
      join conversions c on c.workspace_id = r.workspace_id and c.id = r.conversion_id
      join participants f on f.workspace_id = r.workspace_id and f.id = r.referrer_id
      where r.workspace_id = ${ctx.workspaceId} order by 1`),
  );

it('a refund naming another customer leaves the same claims in a batch as one at a time', async () => {
  const alone = await world();
  for (const input of alone.events) await recordConversionOneByOne(alone.ctx.deps, alone.ctx.owner, input);
  const grouped = await world();
  const results = await runConversionBatch(
    grouped.ctx.deps,
    grouped.events.map((input) => ({ actor: grouped.ctx.owner, input })),
  );
  expect(results.map((result) => result.status)).toEqual([201, 201, 201]);
  const expected = await claims(alone);
  // E's sale is P2's second converted referral: the second tier.
  expect(expected).toContainEqual({ external_id: 's3', ordinal: 2, amount: 4000, status: 'in_review', referrer: 'P2' });
  expect(await claims(grouped)).toEqual(expected);
});

/**
 * Refunds that change no claim are decided in memory (batch.core `decideReversal`): one that
 * arrives before its sale is kept pending and must be written before the sale, which links it;
 * one of a sale that made no claim is recorded against that sale.
 */
it('a refund before its sale in one batch voids the claim the sale makes; one of a sale without a claim is recorded against it', async () => {
  async function refundsWorld() {
    const ctx = await newContext();
    contexts.push(ctx);
    const p = await newParticipant(ctx, { name: 'P', email: 'p@example.com' });
    const c = await newParticipant(ctx, { name: 'C', email: 'c@example.com' });
    const d = await newParticipant(ctx, { name: 'D', email: 'd@example.com' });
    await newReferral(ctx, p, c);
    const events = [
      { externalId: 'r1', type: 'refund' as const, amount: 5000, currency: 'USD', originalExternalId: 's1' },
      { externalId: 's1', type: 'invoice_paid' as const, amount: 5000, currency: 'USD', referredId: c.id },
      // D was referred by nobody: no claim.
      { externalId: 's2', type: 'invoice_paid' as const, amount: 7000, currency: 'USD', referredId: d.id },
      { externalId: 'r2', type: 'chargeback' as const, amount: 7000, currency: 'USD', originalExternalId: 's2' },
    ];
    return { ctx, events };
  }
  const conversions = async ({ ctx }: { ctx: Ctx }) =>
    rowsOf(
      await ctx.database.db.execute(sql`
        select c.external_id, c.outcome::text as outcome, o.external_id as reverses from conversions c
        left join conversions o on o.workspace_id = c.workspace_id and o.id = c.reverses_conversion_id
        where c.workspace_id = ${ctx.workspaceId} order by 1`),
    );
  const alone = await refundsWorld();
  for (const input of alone.events) await recordConversionOneByOne(alone.ctx.deps, alone.ctx.owner, input);
  const grouped = await refundsWorld();
  const results = await runConversionBatch(
    grouped.ctx.deps,
    grouped.events.map((input) => ({ actor: grouped.ctx.owner, input })),
  );
  expect(results.map((result) => [result.status, result.body?.outcome])).toEqual([
    [201, 'reversal_pending'],
    [201, 'reward_created'],
    [201, 'no_referral'],
    [201, 'reversal_recorded'],
  ]);
  expect(await conversions(grouped)).toEqual([
    { external_id: 'r1', outcome: 'reversal_applied', reverses: 's1' },
    { external_id: 'r2', outcome: 'reversal_recorded', reverses: 's2' },
    { external_id: 's1', outcome: 'reward_created', reverses: null },
    { external_id: 's2', outcome: 'no_referral', reverses: null },
  ]);
  expect(await conversions(grouped)).toEqual(await conversions(alone));
  // The claim s1 made knew its refund: voided, in both.
  expect((await claims(grouped)).map((row) => [row.external_id, row.status])).toEqual([['s1', 'reversed']]);
  expect(await claims(grouped)).toEqual(await claims(alone));
});

const linked = async ({ ctx }: { ctx: Ctx }) =>
  rowsOf<Record<string, unknown>>(
    await ctx.database.db.execute(sql`
      select c.external_id, c.outcome::text as outcome, o.external_id as reverses from conversions c
      left join conversions o on o.workspace_id = c.workspace_id and o.id = c.reverses_conversion_id
      where c.workspace_id = ${ctx.workspaceId} order by 1`),
  );

/** P refers C; C's sale s1 (50.00 USD) made a claim, open and in review. */
async function claimedSale() {
  const ctx = await newContext();
  contexts.push(ctx);
  const p = await newParticipant(ctx, { name: 'P', email: 'p@example.com' });
  const c = await newParticipant(ctx, { name: 'C', email: 'c@example.com' });
  await newReferral(ctx, p, c);
  await recordConversionOneByOne(ctx.deps, ctx.owner, {
    externalId: 's1',
    type: 'invoice_paid',
    amount: 5000,
    currency: 'USD',
    referredId: c.id,
  });
  return ctx;
}

/** Found by a review: the engine looked a refund's sale up among sales only. */
it('a refund may name a refund of the same batch, or itself, as its sale, as one at a time', async () => {
  async function run(batched: boolean) {
    const ctx = await claimedSale();
    const events = [
      { externalId: 'r1', type: 'refund' as const, amount: 1000, currency: 'USD', originalExternalId: 's1' },
      { externalId: 'r2', type: 'chargeback' as const, amount: 1000, currency: 'USD', originalExternalId: 'r1' },
      { externalId: 'r3', type: 'refund' as const, amount: 10, currency: 'USD', originalExternalId: 'r3' },
    ];
    if (batched)
      await runConversionBatch(
        ctx.deps,
        events.map((input) => ({ actor: ctx.owner, input })),
      );
    else for (const input of events) await recordConversionOneByOne(ctx.deps, ctx.owner, input);
    return linked({ ctx });
  }
  const alone = await run(false);
  expect(alone).toContainEqual({ external_id: 'r2', outcome: 'reversal_recorded', reverses: 'r1' });
  expect(alone).toContainEqual({ external_id: 'r3', outcome: 'reversal_recorded', reverses: 'r3' });
  expect(await run(true)).toEqual(alone);
});

/** Found by a review: ids were ordered by UTF-16 units in memory, by UTF-8 bytes (collate "C") in the database. */
it('orders a sale’s refunds at one instant by their ids’ bytes, as the database does', async () => {
  const at = '2026-03-02T10:00:00.000Z';
  async function world() {
    const ctx = await claimedSale();
    await recordConversionOneByOne(ctx.deps, ctx.owner, {
      externalId: 'r\u{1F600}',
      type: 'refund',
      amount: 500,
      currency: 'USD',
      originalExternalId: 's1',
      occurredAt: at,
    });
    return ctx;
  }
  const ids = async (ctx: Ctx) =>
    rowsOf(
      await ctx.database.db.execute(
        sql`select jsonb_path_query_array(r.checks, 'strict $.**.reversals[*].externalId') as ids from rewards r where r.workspace_id = ${ctx.workspaceId}`,
      ),
    );
  const refund = {
    externalId: 'r\uFF52',
    type: 'refund' as const,
    amount: 700,
    currency: 'USD',
    originalExternalId: 's1',
    occurredAt: at,
  };
  const alone = await world();
  await recordConversionOneByOne(alone.deps, alone.owner, refund);
  const grouped = await world();
  await runConversionBatch(grouped.deps, [{ actor: grouped.owner, input: refund }]);
  expect(await ids(alone)).toEqual([{ ids: ['r\uFF52', 'r\u{1F600}'] }]);
  expect(await ids(grouped)).toEqual(await ids(alone));
});
