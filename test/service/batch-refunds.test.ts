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
  rowsOf(
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
