/**
 * The batch engine against other writers at the same moment, on PostgreSQL (PGlite has one
 * connection): a refund decided in memory must see what the one-event path would see after its
 * locks. Found by an attacker-minded review: the engine counted a sale's claims before locking,
 * and re-checked an open claim without locking it, so a claim made or approved meanwhile was
 * missed (a fully refunded sale kept a payable claim; an approved claim kept a new flag unseen).
 * Each race runs one-event first (the reference), then batched; both must end alike.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { runConversionBatch } from '../../src/conversions/batch.service.js';
import type { ConversionInput } from '../../src/conversions/conversion.schema.js';
import { linkAwaitingConversions, recordConversionOneByOne } from '../../src/conversions/conversion.service.js';
import { rowsOf } from '../../src/db/json-rows.js';
import { participants } from '../../src/db/schema.js';
import { inTransaction } from '../../src/db/transaction.js';
import { lockParticipant } from '../../src/participants/participant.repo.js';
import { ReferralCreateSchema } from '../../src/referrals/referral.schema.js';
import { insertReferral } from '../../src/referrals/referral.service.js';
import { lockReward } from '../../src/rewards/reward.repo.js';
import { transitionReward } from '../../src/rewards/transition.service.js';
import { PUBLIC_URL } from '../support/app.js';
import { onPostgres } from '../support/db.js';
import { type Ctx, newContext, newParticipant, newReferral } from '../support/factories.js';

const contexts: Ctx[] = [];
afterAll(() => Promise.all(contexts.map((ctx) => ctx.close())));

async function base() {
  const ctx = await newContext();
  contexts.push(ctx);
  const p = await newParticipant(ctx, { name: 'P', email: 'p@example.com' });
  const c = await newParticipant(ctx, { name: 'C', email: 'c@example.com' });
  return { ctx, p, c };
}

/** Until another session of this database waits for a lock (or `done`), at most five seconds. */
async function untilSomeoneWaits(ctx: Ctx, done: () => boolean = () => false) {
  for (let i = 0; i < 100 && !done(); i++) {
    const [row] = rowsOf<{ n: number }>(
      await ctx.database.db.execute(
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      ),
    );
    if (Number(row?.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const record = (ctx: Ctx, batched: boolean, input: ConversionInput) =>
  batched
    ? runConversionBatch(ctx.deps, [{ actor: ctx.owner, input }])
    : recordConversionOneByOne(ctx.deps, ctx.owner, input);

const openClaims = async (ctx: Ctx) =>
  rowsOf<{ status: string }>(
    await ctx.database.db.execute(
      sql`select status::text as status from rewards where workspace_id = ${ctx.workspaceId} and status = 'in_review'`,
    ),
  );

const fullRefund = {
  externalId: 'r1',
  type: 'refund' as const,
  amount: 5000,
  currency: 'USD',
  originalExternalId: 's1',
};

describe.skipIf(!onPostgres)('a refund in a batch while others write', () => {
  /** C's sale s1 made no claim (no referral); a referral of C arrives, making the claim, as the refund does. */
  async function lateReferral(batched: boolean) {
    const { ctx, p, c } = await base();
    await record(ctx, false, {
      externalId: 's1',
      type: 'invoice_paid',
      amount: 5000,
      currency: 'USD',
      referredId: c.id,
    });
    const release = gate();
    const holding = gate();
    const referring = inTransaction(ctx.database.db, async (tx) => {
      await lockParticipant(tx, ctx.workspaceId, c.id);
      holding.open();
      await release.opened;
      await insertReferral(
        tx,
        { actor: ctx.owner, at: ctx.clock.now(), publicUrl: PUBLIC_URL },
        ReferralCreateSchema.parse({ referrerId: p.id, referredId: c.id, source: 'manual' }),
      );
    });
    await holding.opened;
    const refunding = record(ctx, batched, fullRefund);
    await untilSomeoneWaits(ctx);
    release.open();
    await referring;
    await refunding;
    return openClaims(ctx);
  }

  it('a claim made by a late referral meanwhile is voided by the full refund (one event)', async () => {
    expect(await lateReferral(false)).toEqual([]);
  });
  it('a claim made by a late referral meanwhile is voided by the full refund (batch)', async () => {
    expect(await lateReferral(true)).toEqual([]);
  });

  /** s1 waits for its customer (an unknown CRM id); C gets that id, linking s1 and making its claim, as the refund arrives. */
  async function linkedMeanwhile(batched: boolean) {
    const { ctx, p, c } = await base();
    await newReferral(ctx, p, c);
    await record(ctx, false, {
      externalId: 's1',
      type: 'invoice_paid',
      amount: 5000,
      currency: 'USD',
      referredExternalId: 'crm-c',
    });
    const release = gate();
    const linkedIt = gate();
    const linking = inTransaction(ctx.database.db, async (tx) => {
      const [row] = await tx
        .update(participants)
        .set({ externalId: 'crm-c' })
        .where(and(eq(participants.workspaceId, ctx.workspaceId), eq(participants.id, c.id)))
        .returning();
      if (!row) throw new Error('no participant');
      await linkAwaitingConversions(tx, { actor: ctx.owner, at: ctx.clock.now(), publicUrl: PUBLIC_URL }, row);
      linkedIt.open();
      await release.opened;
    });
    await linkedIt.opened;
    const refunding = record(ctx, batched, fullRefund);
    let finished = false;
    void refunding.then(() => {
      finished = true;
    });
    await untilSomeoneWaits(ctx, () => finished);
    release.open();
    await linking;
    await refunding;
    return openClaims(ctx);
  }

  it('a claim made as a waiting sale is linked meanwhile is voided by the full refund (one event)', async () => {
    expect(await linkedMeanwhile(false)).toEqual([]);
  });
  it('a claim made as a waiting sale is linked meanwhile is voided by the full refund (batch)', async () => {
    expect(await linkedMeanwhile(true)).toEqual([]);
  });

  /** C's claim is approved at the moment a part refund of its sale arrives: the new flag sends it back to review. */
  async function approvedMeanwhile(batched: boolean) {
    const { ctx, p, c } = await base();
    await newReferral(ctx, p, c);
    const sale = await recordConversionOneByOne(ctx.deps, ctx.owner, {
      externalId: 's1',
      type: 'invoice_paid',
      amount: 5000,
      currency: 'USD',
      referredId: c.id,
    });
    const claimId = sale.body.rewards[0]?.id as string;
    const approver = ctx.person('owner', 'Alex Approver');
    const release = gate();
    const holding = gate();
    const approving = inTransaction(ctx.database.db, async (tx) => {
      const reward = await lockReward(tx, ctx.workspaceId, claimId);
      if (!reward) throw new Error('no claim');
      holding.open();
      await release.opened;
      await transitionReward(tx, { actor: approver, at: ctx.clock.now() }, reward, 'approve', {
        changes: {
          approvedAt: ctx.clock.now(),
          approvalRecord: { kind: 'manual', approvers: [], rulesVersion: reward.rulesVersion } as never,
        },
      });
    });
    await holding.opened;
    const refunding = record(ctx, batched, { ...fullRefund, amount: 1000 });
    await untilSomeoneWaits(ctx);
    release.open();
    await approving;
    await refunding;
    const [row] = rowsOf(
      await ctx.database.db.execute(sql`
        select r.status::text as status, r.review_round::int as round,
          (select count(*)::int from reward_flags g where g.workspace_id = r.workspace_id and g.reward_id = r.id
            and g.type = 'refunded' and g.resolved_at is null) as open_refunded_flags
        from rewards r where r.workspace_id = ${ctx.workspaceId} and r.id = ${claimId}`),
    );
    return row;
  }

  it('an approval meanwhile is sent back to review by the part refund’s flag (one event)', async () => {
    expect(await approvedMeanwhile(false)).toEqual({ status: 'in_review', round: 2, open_refunded_flags: 1 });
  });
  it('an approval meanwhile is sent back to review by the part refund’s flag (batch)', async () => {
    expect(await approvedMeanwhile(true)).toEqual({ status: 'in_review', round: 2, open_refunded_flags: 1 });
  });
});
