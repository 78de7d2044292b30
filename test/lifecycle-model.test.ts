import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(
      await refusal(
        t.database.db.execute(sql`
        insert into rewards select workspace_id, 'rwd_copy', program_id, policy_version, rules_version, terms_version,
          referral_id, referrer_id, referred_id, conversion_id, ordinal, reward_type, amount, currency, summary, calculation,
          'in_review', recommendation, fraud_score, checks, attribution, notes, created_by, created_by_name, null, null,
          hold_until, 1, null, null, null, null, null, null, null, null, null, created_at, updated_at
        from rewards where id = ${reward.id}`),
      ),
    ).toMatch(/rewards_one_per_referred_uq|duplicate key/);
  });
});
