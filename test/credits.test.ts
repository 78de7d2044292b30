import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balancesOf, decideRedemption, splitReversal } from '../src/credits/credit.core.js';
import { type Api, json, newClaim, startTestApp, type TestApp } from './support/app.js';

/**
 * Account credit, issued → redeemed: a sent account_credit reward issues credit to the referrer's
 * append-only ledger, the billing system redeems it, a refund of the sale takes back what is
 * left of it and opens a recovery task for what was already spent. The database keeps the
 * balance and refuses to let it go negative, whatever arrives at once.
 */
describe('account credit', () => {
  let t: TestApp;
  let finance: Api;
  let staff: Api;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance', 'Fiona (finance)');
    staff = await t.as('staff', 'Sid (staff)');
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'account_credit', amount: 5000, currency: 'USD' }), 200);
  });
  afterAll(() => t.close());

  /** A credit reward approved and marked sent: the referrer now holds 50.00 USD of credit. */
  async function sentCredit() {
    const claim = await newClaim(t.owner);
    json(await finance.post(`/v1/rewards/${claim.reward.id}/approve`, {}), 200);
    json(await staff.post(`/v1/rewards/${claim.reward.id}/mark-sent`, { reference: 'crm-credit' }), 200);
    return claim;
  }

  const credits = async (participantId: string) =>
    json(await t.owner.get(`/v1/participants/${participantId}/credits`), 200);

  it('issues credit when the reward is sent, and redeems it down to zero but not below', async () => {
    const { referrer, reward } = await sentCredit();
    const issued = await credits(referrer.id);
    expect(issued.balances).toEqual([{ currency: 'USD', amount: 5000 }]);
    expect(issued.entries).toMatchObject([{ kind: 'issued', amount: 5000, currency: 'USD', rewardId: reward.id }]);

    const redeemed = json(
      await finance.post(`/v1/participants/${referrer.id}/credits/redeem`, {
        amount: 3000,
        currency: 'USD',
        reference: 'INV-1001',
      }),
      201,
    );
    expect(redeemed).toMatchObject({ entry: { kind: 'redeemed', amount: 3000 }, balance: { amount: 2000 } });

    const tooMuch = await finance.post(`/v1/participants/${referrer.id}/credits/redeem`, {
      amount: 2001,
      currency: 'USD',
      reference: 'INV-1002',
    });
    expect(tooMuch.statusCode).toBe(409);
    expect(JSON.parse(tooMuch.body)).toMatchObject({ code: 'insufficient_credit', field: 'amount' });
    const otherCurrency = await finance.post(`/v1/participants/${referrer.id}/credits/redeem`, {
      amount: 1,
      currency: 'EUR',
      reference: 'INV-1003',
    });
    expect(JSON.parse(otherCurrency.body).code).toBe('insufficient_credit');
    const after = await credits(referrer.id);
    expect(after.balances).toEqual([{ currency: 'USD', amount: 2000 }]);
    expect(after.entries.map((e: { kind: string }) => e.kind)).toEqual(['redeemed', 'issued']);
  });

  it('refuses bad input and other workspaces, and staff may not spend credit', async () => {
    const { referrer } = await sentCredit();
    const url = `/v1/participants/${referrer.id}/credits/redeem`;
    for (const [body, field] of [
      [{ amount: 0, currency: 'USD', reference: 'x' }, 'amount'],
      [{ amount: 10.5, currency: 'USD', reference: 'x' }, 'amount'],
      [{ amount: -5, currency: 'USD', reference: 'x' }, 'amount'],
      [{ amount: 5, currency: 'usd', reference: 'x' }, 'currency'],
      [{ amount: 5, currency: 'USD' }, 'reference'],
    ] as const) {
      const answer = await finance.post(url, body);
      expect(answer.statusCode, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(answer.body).field).toBe(field);
    }
    expect((await staff.post(url, { amount: 5, currency: 'USD', reference: 'x' })).statusCode).toBe(403);
    const other = await t.otherWorkspace();
    expect((await other.get(`/v1/participants/${referrer.id}/credits`)).statusCode).toBe(404);
    expect((await other.post(url, { amount: 5, currency: 'USD', reference: 'x' })).statusCode).toBe(404);
    expect((await credits(referrer.id)).balances).toEqual([{ currency: 'USD', amount: 5000 }]);
  });

  it('lets exactly one of two simultaneous redemptions of the whole balance through', async () => {
    for (let round = 0; round < 3; round++) {
      const { referrer } = await sentCredit();
      const redeem = (reference: string) =>
        finance.post(`/v1/participants/${referrer.id}/credits/redeem`, { amount: 5000, currency: 'USD', reference });
      const answers = await Promise.all([redeem('INV-A'), redeem('INV-B'), redeem('INV-C')]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 409]);
      const after = await credits(referrer.id);
      expect(after.balances).toEqual([{ currency: 'USD', amount: 0 }]);
      expect(after.entries.filter((e: { kind: string }) => e.kind === 'redeemed')).toHaveLength(1);
    }
  });

  it('keeps the ledger append-only and the balance non-negative in the database itself', async () => {
    const { referrer } = await sentCredit();
    const db = t.database.db;
    /** What the database said when it refused (drizzle wraps it as the cause). */
    const refusal = async (query: ReturnType<typeof sql>) => {
      try {
        await db.execute(query);
      } catch (error) {
        return String((error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message);
      }
      return 'accepted';
    };
    expect(await refusal(sql`update credit_entries set amount = 1 where participant_id = ${referrer.id}`)).toMatch(
      /append-only/,
    );
    expect(await refusal(sql`delete from credit_entries where participant_id = ${referrer.id}`)).toMatch(/append-only/);
    expect(
      await refusal(sql`update credit_balances set balance = 1000000 where participant_id = ${referrer.id}`),
    ).toMatch(/only through credit_entries/);
    expect(
      await refusal(sql`insert into credit_entries (workspace_id, id, participant_id, kind, amount, currency, created_by, created_by_name, created_at)
        values (${t.workspaceId}, 'crd_direct', ${referrer.id}, 'redeemed', 5001, 'USD', 'test', 'Test', now())`),
    ).toMatch(/credit_balances_not_negative_ck/);
    expect((await credits(referrer.id)).balances).toEqual([{ currency: 'USD', amount: 5000 }]);
  });

  it('takes back what is left of a refunded credit and opens a recovery task for what was spent', async () => {
    const { referrer, reward, result } = await sentCredit();
    json(
      await finance.post(`/v1/participants/${referrer.id}/credits/redeem`, {
        amount: 1500,
        currency: 'USD',
        reference: 'INV-2001',
      }),
      201,
    );
    const refund = {
      externalId: `refund-${reward.id}`,
      type: 'refund',
      originalExternalId: result.conversion.externalId,
      amount: result.conversion.amount,
      currency: 'USD',
    };
    json(await t.owner.post('/v1/conversions', refund), 201);
    const after = await credits(referrer.id);
    expect(after.balances).toEqual([{ currency: 'USD', amount: 0 }]);
    expect(after.entries[0]).toMatchObject({ kind: 'reversed', amount: 3500, rewardId: reward.id });
    const tasks = json(await t.owner.get('/v1/recovery-tasks'), 200).items.filter(
      (task: { rewardId: string }) => task.rewardId === reward.id,
    );
    expect(tasks).toMatchObject([{ kind: 'recovery', amount: 1500, currency: 'USD' }]);
    // Replayed, nothing more is taken back and no second task is opened.
    json(await t.owner.post('/v1/conversions', refund), 200);
    expect((await credits(referrer.id)).entries.filter((e: { kind: string }) => e.kind === 'reversed')).toHaveLength(1);
  });

  it('needs no recovery task when none of the refunded credit was spent', async () => {
    const { referrer, reward, result } = await sentCredit();
    json(
      await t.owner.post('/v1/conversions', {
        externalId: `refund-${reward.id}`,
        type: 'refund',
        originalExternalId: result.conversion.externalId,
        amount: result.conversion.amount,
        currency: 'USD',
      }),
      201,
    );
    expect((await credits(referrer.id)).balances).toEqual([{ currency: 'USD', amount: 0 }]);
    const tasks = json(await t.owner.get('/v1/recovery-tasks'), 200).items.filter(
      (task: { rewardId: string }) => task.rewardId === reward.id,
    );
    expect(tasks).toEqual([]);
  });
});

describe('the credit maths', () => {
  it('redeems at most the balance, to the minor unit', () => {
    expect(decideRedemption(5000, 5000)).toEqual({ ok: true, balanceAfter: 0 }); // 50.00 of 50.00
    expect(decideRedemption(5000, 5001)).toEqual({ ok: false, balance: 5000, short: 1 });
    fc.assert(
      fc.property(fc.nat(10 ** 9), fc.integer({ min: 1, max: 10 ** 9 }), (balance, amount) => {
        const decision = decideRedemption(balance, amount);
        return decision.ok
          ? decision.balanceAfter >= 0 && decision.balanceAfter === balance - amount
          : amount > balance;
      }),
    );
  });

  it('splits a reversal into taken back plus owed, which always make the credit', () => {
    expect(splitReversal(5000, 3500)).toEqual({ takeBack: 3500, owed: 1500 });
    expect(splitReversal(5000, 8000)).toEqual({ takeBack: 5000, owed: 0 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 9 }), fc.nat(10 ** 9), (credit, balance) => {
        const { takeBack, owed } = splitReversal(credit, balance);
        return takeBack + owed === credit && takeBack <= balance && takeBack >= 0 && owed >= 0;
      }),
    );
  });

  it('never lets a ledger of allowed moves go below zero', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ issue: fc.boolean(), amount: fc.integer({ min: 1, max: 100_000 }) }), { maxLength: 60 }),
        (moves) => {
          const entries: { kind: 'issued' | 'redeemed'; amount: number; currency: string }[] = [];
          for (const move of moves) {
            const balance = balancesOf(entries)[0]?.amount ?? 0;
            if (move.issue) entries.push({ kind: 'issued', amount: move.amount, currency: 'USD' });
            else if (decideRedemption(balance, move.amount).ok)
              entries.push({ kind: 'redeemed', amount: move.amount, currency: 'USD' });
          }
          return (balancesOf(entries)[0]?.amount ?? 0) >= 0;
        },
      ),
    );
  });
});
