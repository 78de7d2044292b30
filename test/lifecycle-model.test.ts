import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/json-rows.js';
import { type Api, json, newClaim, startTestApp, type TestApp } from './support/app.js';

/**
 * Model-based test of the claim state machine: random interleavings of approve, reject,
 * mark-sent, decline and refund, some of them concurrent, against the real API and database.
 * After every step the claim's status and the answers match the model (for a concurrent pair:
 * one of the two orders).
 */
type State = 'in_review' | 'pending' | 'sent' | 'declined' | 'rejected' | 'reversed';
type Op = 'approve' | 'reject' | 'markSent' | 'decline' | 'refund';

function model(state: State, op: Op): { next: State; status: number } {
  switch (op) {
    case 'approve':
      return state === 'in_review' ? { next: 'pending', status: 200 } : { next: state, status: 409 };
    case 'reject':
      return state === 'in_review' ? { next: 'rejected', status: 200 } : { next: state, status: 409 };
    case 'markSent':
      return state === 'pending' ? { next: 'sent', status: 200 } : { next: state, status: 409 };
    case 'decline':
      return state === 'pending' ? { next: 'declined', status: 200 } : { next: state, status: 409 };
    case 'refund':
      // Refund events are always accepted; they reverse whatever was not already closed.
      return { next: ['in_review', 'pending', 'sent'].includes(state) ? 'reversed' : state, status: 201 };
  }
}

describe('the claim state machine, model-based', () => {
  let t: TestApp;
  let finance: Api;
  let refunds = 0;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance');
  });
  afterAll(() => t.close());

  async function run(op: Op, claim: { id: string; conversion: { externalId: string; amount: number } }) {
    switch (op) {
      case 'approve':
        return finance.post(`/v1/rewards/${claim.id}/approve`, {});
      case 'reject':
        return finance.post(`/v1/rewards/${claim.id}/reject`, { reason: 'model says so' });
      case 'markSent':
        return t.owner.post(`/v1/rewards/${claim.id}/mark-sent`, {});
      case 'decline':
        return t.owner.post(`/v1/rewards/${claim.id}/decline`, { reason: 'referrer said no thanks' });
      case 'refund':
        return t.owner.post('/v1/conversions', {
          externalId: `model-refund-${++refunds}`,
          type: 'refund',
          originalExternalId: claim.conversion.externalId,
          amount: claim.conversion.amount,
          currency: 'USD',
        });
    }
  }

  const op = fc.constantFrom<Op>('approve', 'reject', 'markSent', 'decline', 'refund');
  const step = fc.oneof(
    op.map((a) => [a] as Op[]),
    fc.tuple(op, op).map(([a, b]) => [a, b] as Op[]),
  );

  it('moves only as the model says, whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        const { reward } = await newClaim(t.owner);
        let state: State = 'in_review';
        for (const ops of steps) {
          if (ops.length === 1) {
            const [only] = ops as [Op];
            const expected = model(state, only);
            const answer = await run(only, reward);
            expect(answer.statusCode, `${state} --${only}--> ${answer.body}`).toBe(expected.status);
            state = expected.next;
          } else {
            const [a, b] = ops as [Op, Op];
            const answers = await Promise.all([run(a, reward), run(b, reward)]);
            const ab = model(model(state, a).next, b);
            const ba = model(model(state, b).next, a);
            const abStatuses: number[] = [model(state, a).status, ab.status];
            // In the order b-then-a, a's answer is the second step's and b's the first's.
            const baStatuses: number[] = [ba.status, model(state, b).status];
            const got = answers.map((x) => x.statusCode);
            const matchesAb: boolean = got[0] === abStatuses[0] && got[1] === abStatuses[1];
            const matchesBa: boolean = got[0] === baStatuses[0] && got[1] === baStatuses[1];
            expect(matchesAb || matchesBa, `${state} --${a}||${b}--> ${got}`).toBe(true);
            state = matchesAb ? ab.next : ba.next;
          }
          expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe(state);
        }
        // However it ended, the history records exactly the moves that happened.
        const history = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).history;
        const sent = history.filter((e: { action: string }) => e.action === 'reward.sent').length;
        expect(sent).toBeLessThanOrEqual(1);
      }),
      { numRuns: 25 },
    );
  });
});

/** The database's own message (the ORM wraps it as the cause). */
async function refusal(statement: Promise<unknown>): Promise<string> {
  try {
    await statement;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return `${cause?.message ?? ''} ${(error as Error).message}`;
  }
  throw new Error('the database accepted it');
}

describe('the database itself', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('refuses an illegal transition even from raw SQL', async () => {
    const { reward } = await newClaim(t.owner);
    expect(
      await refusal(
        t.database.db.execute(sql`update rewards set status = 'sent', sent_at = now() where id = ${reward.id}`),
      ),
    ).toMatch(/cannot move from in_review to sent/);
  });

  it('refuses to mark a reward sent without an approval record', async () => {
    const { reward } = await newClaim(t.owner);
    // Even going through pending by hand, the evidence constraint holds.
    expect(
      await refusal(t.database.db.execute(sql`update rewards set status = 'pending' where id = ${reward.id}`)),
    ).toMatch(/rewards_status_dates_ck/);
  });

  it('keeps the audit log append-only', async () => {
    await newClaim(t.owner);
    expect(await refusal(t.database.db.execute(sql`update audit_events set action = 'nothing happened'`))).toMatch(
      /append-only/,
    );
    expect(await refusal(t.database.db.execute(sql`delete from audit_events`))).toMatch(/append-only/);
  });

  it('allows one live reward per referred customer, whatever the code does', async () => {
    const { reward } = await newClaim(t.owner);
    expect(await refusal(copyReward(t, reward.id, {}))).toMatch(/rewards_one_per_referred_uq|duplicate key/);
  });

  it('holds what a reward is for and whom it pays, whatever the code does', async () => {
    const { reward } = await newClaim(t.owner);
    // A referrer's claim paying someone else, or a "referred" reward paying the referrer.
    expect(await refusal(copyReward(t, reward.id, { kind: 'referred' }))).toMatch(/rewards_kind_ck/);
    const [row] = rowsOf<{ referred_id: string }>(
      await t.database.db.execute(sql`select referred_id from rewards where id = ${reward.id}`),
    );
    expect(await refusal(copyReward(t, reward.id, { payee_id: row?.referred_id }))).toMatch(/rewards_kind_ck/);
    // A milestone bonus twice for one referrer and milestone.
    const bonus = { kind: 'milestone', milestone: 5, source_reward_id: reward.id };
    await copyReward(t, reward.id, { ...bonus, id: 'rwd_bonus1' });
    expect(await refusal(copyReward(t, reward.id, { ...bonus, id: 'rwd_bonus2' }))).toMatch(
      /rewards_one_per_milestone_uq|duplicate key/,
    );
    // What it is for never changes.
    expect(await refusal(t.database.db.execute(sql`update rewards set milestone = 6 where id = 'rwd_bonus1'`))).toMatch(
      /never changes/,
    );
  });
});

/** A copy of a reward row with some columns changed, inserted straight into the table. */
function copyReward(t: TestApp, id: string, changes: Record<string, unknown>) {
  const patch = JSON.stringify({ id: 'rwd_copy', status: 'in_review', ...changes });
  return t.database.db.execute(sql`
    insert into rewards
    select (jsonb_populate_record(null::rewards, to_jsonb(r) || ${patch}::jsonb)).* from rewards r where r.id = ${id}`);
}
