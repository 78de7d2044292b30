/**
 * A refund in a batch runs before the batch's earlier events are written when it cannot read what
 * they write (conversions/batch.service.ts readsUnwritten). Found by a review: a refund naming a
 * customer other than its sale's reloaded that customer's referrer from the database, losing the
 * claim an earlier, unwritten event of the batch had given them; the next claim got the wrong tier.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runConversionBatch } from '../../src/conversions/batch.service.js';
import { recordConversionOneByOne } from '../../src/conversions/conversion.service.js';
import type { Database } from '../../src/db/client.js';
import { rowsOf } from '../../src/db/json-rows.js';
import { inTransaction } from '../../src/db/transaction.js';
import { ParticipantCreateSchema } from '../../src/participants/participant.schema.js';
import { insertParticipant } from '../../src/participants/participant.service.js';
import { RewardPolicyInputSchema } from '../../src/policy/policy.schema.js';
import { updatePolicy } from '../../src/policy/policy.service.js';
import { ReferralCreateSchema } from '../../src/referrals/referral.schema.js';
import { insertReferral } from '../../src/referrals/referral.service.js';
import type { Actor } from '../../src/shared/actor.js';
import { manualClock } from '../../src/shared/clock.js';
import { createWorkspace, getWorkspaceOrThrow } from '../../src/workspaces/workspace.service.js';
import { freshDatabase } from '../support/db.js';

let database: Database;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

const clock = manualClock(new Date('2026-03-02T15:00:00Z'));
const publicUrl = 'http://rewardloop.test';
let worlds = 0;

/** P refers C; P2 refers R and E; C's sale s1 is recorded (its claim). Then: R buys, a refund of s1 naming R, E buys. */
async function world() {
  const { db } = database;
  const at = clock.now();
  const workspace = await createWorkspace(db, { name: `Refunds ${++worlds}`, at });
  const actor: Actor = {
    type: 'api_key',
    id: `key_${worlds}`,
    name: 'Integration',
    role: 'owner',
    workspaceId: workspace.id,
  };
  const deps = { db, clock, publicUrl };
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
      ],
    }),
  );
  const add = (name: string) =>
    inTransaction(db, async (tx) =>
      insertParticipant(
        tx,
        await getWorkspaceOrThrow(tx, workspace.id),
        actor,
        ParticipantCreateSchema.parse({ name, email: `${name.toLowerCase()}@example.com` }),
        at,
      ),
    );
  const [p, p2, c, r, e] = [await add('P'), await add('P2'), await add('C'), await add('R'), await add('E')];
  for (const [referrer, referred] of [
    [p, c],
    [p2, r],
    [p2, e],
  ] as const) {
    await inTransaction(db, (tx) =>
      insertReferral(
        tx,
        { actor, at, publicUrl },
        ReferralCreateSchema.parse({ referrerId: referrer.id, referredId: referred.id, source: 'manual' }),
      ),
    );
  }
  await recordConversionOneByOne(deps, actor, {
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
  return { workspaceId: workspace.id, actor, deps, events };
}

const claims = async (workspaceId: string) =>
  rowsOf(
    await database.db.execute(sql`
      select c.external_id, r.ordinal::int as ordinal, r.amount::int as amount, r.status::text as status, f.name as referrer from rewards r
      join conversions c on c.workspace_id = r.workspace_id and c.id = r.conversion_id
      join participants f on f.workspace_id = r.workspace_id and f.id = r.referrer_id
      where r.workspace_id = ${workspaceId} order by 1`),
  );

it('a refund naming another customer leaves the same claims in a batch as one at a time', async () => {
  const alone = await world();
  for (const input of alone.events) await recordConversionOneByOne(alone.deps, alone.actor, input);
  const grouped = await world();
  const results = await runConversionBatch(
    grouped.deps,
    grouped.events.map((input) => ({ actor: grouped.actor, input })),
  );
  expect(results.map((result) => result.status)).toEqual([201, 201, 201]);
  const expected = await claims(alone.workspaceId);
  // E's sale is P2's second converted referral: the second tier.
  expect(expected).toContainEqual({ external_id: 's3', ordinal: 2, amount: 4000, status: 'in_review', referrer: 'P2' });
  expect(await claims(grouped.workspaceId)).toEqual(expected);
});
