import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/json-rows.js';
import { createScheduler } from '../src/scheduler.js';
import { webhookDataRenderer } from '../src/webhook-data.js';
import { type Api, json, newClaim, newParticipant, newReferral, startTestApp, type TestApp } from './support/app.js';

/**
 * Finance's payout run end to end through the API: draft → approve (maker-checker) → export →
 * mark paid, the controls tried from the attacker's side, refunds on the way, and the moments
 * two people press the same button at once.
 */
const baseRules = {
  qualifyingTypes: ['deal_won', 'invoice_paid'],
  allowedReferrerKinds: ['customer', 'partner'],
  termsText: 'One reward per referred customer.',
  termsVersion: '2026-03',
  currency: 'USD',
};

/** What the database said when it refused a statement (drizzle wraps it). */
async function refusal(statement: Promise<unknown>): Promise<string> {
  try {
    await statement;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return cause?.message ?? String(error);
  }
  return 'not refused';
}

async function setup(t: TestApp, policy: Record<string, unknown> = {}, rules: Record<string, unknown> = {}) {
  json(
    await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 5000, currency: 'USD', ...policy }),
    200,
  );
  json(await t.owner.put('/v1/program-rules', { ...baseRules, ...rules }), 200);
}

/** A claim recorded by the owner key, approved by `approver`: a reward waiting to be paid. */
async function approvedReward(t: TestApp, approver: Api, referrer?: { id: string }) {
  const payee = referrer ?? (await newParticipant(t.owner));
  const referred = await newParticipant(t.owner);
  await newReferral(t.owner, payee.id, referred.id);
  const conversion = json(
    await t.owner.post('/v1/conversions', {
      externalId: `sale-${referred.id}`,
      type: 'deal_won',
      referredId: referred.id,
      amount: 100_000,
      currency: 'USD',
    }),
    201,
  );
  const reward = conversion.rewards[0];
  json(await approver.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
  return { reward, payee, referred, conversion: conversion.conversion };
}

function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\r\n')
    .map((line) => line.split(','));
}

describe('a payout batch from draft to paid', () => {
  let t: TestApp;
  let finance: Api;
  let checker: Api;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance', 'Fran Finance');
    checker = await t.as('finance', 'Chris Checker');
    await setup(t);
  });
  afterAll(() => t.close());

  it('drafts one line per payee, is approved by someone else, exports, and pays every reward with its thank-you', async () => {
    const jess = await newParticipant(t.owner, { name: 'Jessica Alvarez', email: 'jessica@example.com' });
    const first = await approvedReward(t, finance, jess);
    const second = await approvedReward(t, finance, jess);
    const other = await approvedReward(t, finance);
    // Not money that leaves the business: a reward still in review is not drafted either.
    const inReview = await newClaim(t.owner);

    const batch = json(await finance.post('/v1/payout-batches', { currency: 'USD', note: 'March run' }), 201);
    expect(batch).toMatchObject({ status: 'draft', currency: 'USD', total: 15_000, payees: 2, rewards: 3 });
    expect(batch.maker.name).toBe('Fran Finance');
    const jessLine = batch.lines.find((line: { participantId: string }) => line.participantId === jess.id);
    expect(jessLine).toMatchObject({ name: 'Jessica Alvarez', email: 'jessica@example.com', amount: 10_000 });
    expect(jessLine.rewardIds.sort()).toEqual([first.reward.id, second.reward.id].sort());
    expect(batch.lines.flatMap((line: { rewardIds: string[] }) => line.rewardIds)).not.toContain(inReview.reward.id);
    expect(batch.approval).toMatchObject({ required: 1, remaining: 1, youMayApprove: false });

    // The maker may not approve; nor export or pay before approval.
    const self = json(await finance.post(`/v1/payout-batches/${batch.id}/approve`, {}), 409);
    expect(self.code).toBe('maker_checker');
    expect(json(await finance.get(`/v1/payout-batches/${batch.id}/export.csv`), 409).code).toBe('invalid_transition');
    expect(json(await checker.post(`/v1/payout-batches/${batch.id}/mark-paid`, { reference: 'x' }), 409).code).toBe(
      'invalid_transition',
    );
    // Reading it as the checker says they may approve.
    expect(json(await checker.get(`/v1/payout-batches/${batch.id}`), 200).approval.youMayApprove).toBe(true);

    const approved = json(await checker.post(`/v1/payout-batches/${batch.id}/approve`, { note: 'Checked' }), 200);
    expect(approved.status).toBe('approved');
    expect(approved.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(approved.checksumMatches).toBe(true);
    expect(approved.approval.approvers.map((a: { name: string }) => a.name)).toEqual(['Chris Checker']);
    expect(json(await checker.post(`/v1/payout-batches/${batch.id}/approve`, {}), 409).code).toBe('invalid_transition');

    const generic = await finance.get(`/v1/payout-batches/${batch.id}/export.csv`);
    expect(generic.statusCode).toBe(200);
    expect(generic.headers['content-type']).toContain('text/csv');
    const rows = parseCsv(generic.body);
    expect(rows[0]).toEqual([
      'payee',
      'email',
      'amount',
      'amountMinor',
      'currency',
      'rewardIds',
      'participantId',
      'batchId',
    ]);
    const jessRow = rows.find((row) => row[6] === jess.id);
    expect(jessRow?.slice(0, 5)).toEqual(['Jessica Alvarez', 'jessica@example.com', '100.00', '10000', 'USD']);
    expect(jessRow?.[7]).toBe(batch.id);

    const paypal = await finance.get(`/v1/payout-batches/${batch.id}/export.csv?format=paypal`);
    expect(paypal.statusCode).toBe(200);
    const paypalRows = parseCsv(paypal.body);
    // PayPal Payouts' bulk file: no header; email, amount, currency, customer id, note, wallet.
    expect(paypalRows).toHaveLength(2);
    const jessPaypal = paypalRows.find((row) => row[0] === 'jessica@example.com');
    expect(jessPaypal?.slice(0, 4)).toEqual(['jessica@example.com', '100.00', 'USD', jess.id]);
    expect(jessPaypal?.[3]?.length).toBeLessThanOrEqual(30);
    expect(jessPaypal?.at(-1)).toBe('PAYPAL');

    const paid = json(
      await finance.post(`/v1/payout-batches/${batch.id}/mark-paid`, { reference: 'PAYPAL-B-77' }),
      200,
    );
    expect(paid).toMatchObject({ status: 'paid', paidReference: 'PAYPAL-B-77', paidByName: 'Fran Finance' });
    for (const id of [first.reward.id, second.reward.id, other.reward.id]) {
      const reward = json(await t.owner.get(`/v1/rewards/${id}`), 200);
      expect(reward.status).toBe('sent');
      expect(reward.sentReference).toBe('PAYPAL-B-77');
      // The thank-you went out exactly as for "mark sent": one email per reward.
      expect(reward.messages.filter((m: { kind: string }) => m.kind === 'thank_you')).toHaveLength(1);
    }
    expect(json(await finance.post(`/v1/payout-batches/${batch.id}/mark-paid`, { reference: 'again' }), 409).code).toBe(
      'invalid_transition',
    );
    expect(json(await finance.post(`/v1/payout-batches/${batch.id}/cancel`, { reason: 'late' }), 409).code).toBe(
      'invalid_transition',
    );
    const list = json(await finance.get('/v1/payout-batches?status=paid'), 200);
    expect(list.items.map((item: { id: string }) => item.id)).toContain(batch.id);
  });

  it('tells subscribed endpoints when a batch is approved and paid, with the batch as data', async () => {
    json(
      await t.owner.post('/v1/webhook-endpoints', {
        url: 'https://hooks.example.com/payouts',
        events: ['payout_batch.approved', 'payout_batch.paid'],
      }),
      201,
    );
    await approvedReward(t, finance);
    const batch = json(await finance.post('/v1/payout-batches', { currency: 'USD' }), 201);
    json(await checker.post(`/v1/payout-batches/${batch.id}/approve`, {}), 200);
    json(await checker.post(`/v1/payout-batches/${batch.id}/mark-paid`, { reference: 'WIRE-9' }), 200);
    const events = rowsOf<{ type: string }>(
      await t.database.db.execute(
        sql`select type from webhook_events where workspace_id = ${t.workspaceId} and object_id = ${batch.id} order by created_at, id`,
      ),
    );
    expect(events.map((e) => e.type)).toEqual(['payout_batch.approved', 'payout_batch.paid']);
    const render = webhookDataRenderer({ clock: t.clock, publicUrl: 'http://rewardloop.test' });
    const data = (await render(t.database.db, t.workspaceId, 'payout_batch.paid', batch.id)) as { status: string };
    expect(data).toMatchObject({ id: batch.id, status: 'paid', paidReference: 'WIRE-9' });
  });

  it('refuses a draft when nothing is left to pay, naming the currency', async () => {
    const answer = json(await finance.post('/v1/payout-batches', { currency: 'EUR' }), 422);
    expect(answer.field).toBe('currency');
    expect(json(await finance.post('/v1/payout-batches', { currency: 'usd' }), 400).field).toBe('currency');
    expect(
      json(await finance.post('/v1/payout-batches', { currency: 'USD', through: '2099-01-01T00:00:00Z' }), 400).field,
    ).toBe('through');
  });

  it('keeps staff and viewers out, and another workspace sees nothing', async () => {
    const staff = await t.as('staff');
    expect(json(await staff.post('/v1/payout-batches', { currency: 'USD' }), 403).code).toBe('forbidden');
    expect(json(await staff.get('/v1/payout-batches'), 403).code).toBe('forbidden');
    const stranger = await t.otherWorkspace();
    const [batch] = json(await finance.get('/v1/payout-batches'), 200).items;
    expect(json(await stranger.get(`/v1/payout-batches/${batch.id}`), 404).code).toBe('not_found');
  });
});

describe('a reward held by an open batch', () => {
  let t: TestApp;
  let finance: Api;
  let checker: Api;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance', 'Fran Finance');
    checker = await t.as('finance', 'Chris Checker');
    await setup(t);
  });
  afterAll(() => t.close());

  it('cannot be marked sent alone nor put in a second batch, until the batch is cancelled', async () => {
    const { reward } = await approvedReward(t, finance);
    const batch = json(await finance.post('/v1/payout-batches', { currency: 'USD' }), 201);
    expect(batch.rewards).toBe(1);
    const alone = json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 409);
    expect(alone).toMatchObject({ code: 'invalid_transition', payoutBatchId: batch.id });
    expect(alone.detail).toContain('mark the batch paid');
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200)).toMatchObject({
      status: 'pending',
      payoutBatch: { id: batch.id, status: 'draft' },
    });
    expect(json(await checker.post('/v1/payout-batches', { currency: 'USD' }), 422).code).toBe('unprocessable');

    const cancelled = json(await checker.post(`/v1/payout-batches/${batch.id}/cancel`, { reason: 'Wrong month' }), 200);
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelReason: 'Wrong month' });
    const again = json(await checker.post('/v1/payout-batches', { currency: 'USD' }), 201);
    expect(again.lines[0].rewardIds).toEqual([reward.id]);
    json(await checker.post(`/v1/payout-batches/${again.id}/cancel`, { reason: 'tidy' }), 200);
    // Free again: it can be fulfilled by hand.
    expect(json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200).status).toBe('sent');
  });

  it('is taken out of a draft when its sale is refunded; kept in an approved file, paid with it and recovered', async () => {
    const refund = (sale: { referred: { id: string }; conversion: { externalId: string } }) =>
      t.owner.post('/v1/conversions', {
        externalId: `refund-${sale.referred.id}`,
        type: 'refund',
        originalExternalId: sale.conversion.externalId,
        amount: 100_000,
        currency: 'USD',
      });
    // A draft is not frozen: the refunded reward leaves it.
    const early = await approvedReward(t, finance);
    const draft = json(await finance.post('/v1/payout-batches', { currency: 'USD' }), 201);
    json(await refund(early), 201);
    const shrunk = json(await finance.get(`/v1/payout-batches/${draft.id}`), 200);
    expect(shrunk.removed).toEqual([expect.objectContaining({ rewardId: early.reward.id, amount: 5000 })]);
    const audit = json(await t.owner.get('/v1/audit-events?limit=100'), 200).items;
    expect(audit.map((e: { action: string }) => e.action)).toContain('payout_batch.reward_removed');
    json(await checker.post(`/v1/payout-batches/${draft.id}/cancel`, { reason: 'tidy' }), 200);

    const kept = await approvedReward(t, finance);
    const refunded = await approvedReward(t, finance);
    const batch = json(await finance.post('/v1/payout-batches', { currency: 'USD' }), 201);
    expect(batch.rewards).toBe(2);
    json(await checker.post(`/v1/payout-batches/${batch.id}/approve`, {}), 200);
    json(await refund(refunded), 201);
    // Approved is frozen (its file may be at the bank already): the line stays, nothing is lost.
    const after = json(await finance.get(`/v1/payout-batches/${batch.id}`), 200);
    expect(after).toMatchObject({ rewards: 2, total: 10_000, removed: [], checksumMatches: true });
    expect(json(await t.owner.get(`/v1/rewards/${refunded.reward.id}`), 200).status).toBe('reversed');
    const csv = parseCsv((await finance.get(`/v1/payout-batches/${batch.id}/export.csv`)).body);
    expect(csv.slice(1).map((row) => row[5])).toEqual([kept.reward.id, refunded.reward.id].sort());

    json(await finance.post(`/v1/payout-batches/${batch.id}/mark-paid`, { reference: 'WIRE-1' }), 200);
    expect(json(await t.owner.get(`/v1/rewards/${refunded.reward.id}`), 200).status).toBe('reversed');
    expect(json(await t.owner.get(`/v1/rewards/${kept.reward.id}`), 200).status).toBe('sent');
    // It was paid with the file: the money is recovered as for a refund after payment.
    let tasks = json(await t.owner.get('/v1/recovery-tasks'), 200).items;
    expect(tasks).toContainEqual(
      expect.objectContaining({ rewardId: refunded.reward.id, kind: 'recovery', amount: 5000 }),
    );
    json(await refund(kept), 201);
    tasks = json(await t.owner.get('/v1/recovery-tasks'), 200).items;
    expect(tasks.map((task: { rewardId: string }) => task.rewardId)).toContain(kept.reward.id);
    // Neither is ever drafted again.
    expect(json(await finance.post('/v1/payout-batches', { currency: 'USD' }), 422).code).toBe('unprocessable');
  });

  it('attacker: staff cannot pull a reward out of an approved batch (mark failed, retry) to have it paid twice', async () => {
    const staff = await t.as('staff', 'Sam Staff');
    const { reward } = await approvedReward(t, finance);
    const batch = json(await finance.post('/v1/payout-batches', { currency: 'USD' }), 201);
    json(await checker.post(`/v1/payout-batches/${batch.id}/approve`, {}), 200);
    expect((await finance.get(`/v1/payout-batches/${batch.id}/export.csv`)).statusCode).toBe(200);
    for (const [who, path, body] of [
      [staff, 'mark-failed', { reason: 'bounced' }],
      [staff, 'decline', { reason: 'no' }],
      [finance, 'adjust', { amount: 4000, reason: 'less' }],
    ] as const) {
      const refused = json(await who.post(`/v1/rewards/${reward.id}/${path}`, body), 409);
      expect(refused).toMatchObject({ code: 'invalid_transition', payoutBatchId: batch.id });
      expect(refused.detail).toContain(batch.id);
      expect(refused.detail).toContain('Mark the batch paid');
    }
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('pending');
    expect(json(await checker.post('/v1/payout-batches', { currency: 'USD' }), 422).code).toBe('unprocessable');
    const paid = json(await finance.post(`/v1/payout-batches/${batch.id}/mark-paid`, { reference: 'WIRE-2' }), 200);
    expect(paid).toMatchObject({ status: 'paid', rewards: 1, removed: [] });
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('sent');
  });

  it('attacker: an exported batch cannot be cancelled and its rewards drafted again', async () => {
    const { reward } = await approvedReward(t, finance);
    const batch = json(await finance.post('/v1/payout-batches', { currency: 'USD' }), 201);
    json(await checker.post(`/v1/payout-batches/${batch.id}/approve`, {}), 200);
    expect((await finance.get(`/v1/payout-batches/${batch.id}/export.csv?format=paypal`)).statusCode).toBe(200);
    const refused = json(await finance.post(`/v1/payout-batches/${batch.id}/cancel`, { reason: 'oops' }), 409);
    expect(refused.code).toBe('invalid_transition');
    expect(refused.detail).toMatch(/exported on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC by Fran Finance/);
    expect(refused.detail).toContain('Mark it paid');
    expect(json(await finance.get(`/v1/payout-batches/${batch.id}`), 200).status).toBe('approved');
    expect(json(await checker.post('/v1/payout-batches', { currency: 'USD' }), 422).code).toBe('unprocessable');
    json(await finance.post(`/v1/payout-batches/${batch.id}/mark-paid`, { reference: 'PP-1' }), 200);
    expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200).status).toBe('sent');
  });

  it('is left out while a provider fulfils it', async () => {
    const { reward } = await approvedReward(t, finance);
    await t.database.db.execute(sql`
      insert into fulfilment_orders (workspace_id, reward_id, provider, status, external_id, amount, currency,
        next_attempt_at, created_at, updated_at)
      values (${t.workspaceId}, ${reward.id}, 'tremendous', 'waiting', ${reward.id}, 5000, 'USD', now(), now(), now())`);
    const answer = await finance.post('/v1/payout-batches', { currency: 'USD' });
    if (answer.statusCode === 201) {
      expect(JSON.parse(answer.body).lines.flatMap((l: { rewardIds: string[] }) => l.rewardIds)).not.toContain(
        reward.id,
      );
    } else {
      expect(answer.statusCode).toBe(422);
    }
  });
});

describe('approving a batch above the two-person amount', () => {
  let t: TestApp;
  let maker: Api;
  beforeAll(async () => {
    t = await startTestApp();
    maker = t.owner;
    await setup(t, {}, { twoApproversAbove: 6000 });
  });
  afterAll(() => t.close());

  it('takes two different people, neither its maker nor a key the maker minted', async () => {
    const approver = await t.as('finance', 'Ann Approver');
    const second = await t.as('owner', 'Omar Owner');
    const other = await t.as('finance', 'Fay Finance');
    await approvedReward(t, other);
    await approvedReward(t, other);
    const batch = json(await maker.post('/v1/payout-batches', { currency: 'USD' }), 201);
    expect(batch.approval).toMatchObject({ required: 2, remaining: 2 });

    // A key the maker mints is the maker.
    const minted = json(await maker.post('/v1/api-keys', { name: 'Second me', role: 'finance' }), 201);
    const alias = { key: minted.key as string };
    const mintedAnswer = await t.app.inject({
      method: 'POST',
      url: `/v1/payout-batches/${batch.id}/approve`,
      headers: { authorization: `Bearer ${alias.key}` },
      payload: {},
    });
    expect(mintedAnswer.statusCode).toBe(409);
    expect(JSON.parse(mintedAnswer.body).code).toBe('maker_checker');

    const once = json(await approver.post(`/v1/payout-batches/${batch.id}/approve`, {}), 200);
    expect(once).toMatchObject({ status: 'draft', approval: { remaining: 1 } });
    expect(json(await approver.post(`/v1/payout-batches/${batch.id}/approve`, {}), 409).code).toBe('already_approved');
    const twice = json(await second.post(`/v1/payout-batches/${batch.id}/approve`, {}), 200);
    expect(twice.status).toBe('approved');
    expect(twice.approval.approvers.map((a: { name: string }) => a.name)).toEqual(['Ann Approver', 'Omar Owner']);
  });

  it('keeps what was approved frozen in the database, whatever the code does', async () => {
    const [batch] = json(await maker.get('/v1/payout-batches?status=approved'), 200).items;
    const db = t.database.db;
    expect(
      await refusal(db.execute(sql`update payout_batch_items set amount = amount * 10 where batch_id = ${batch.id}`)),
    ).toMatch(/frozen/);
    expect(
      await refusal(db.execute(sql`update payout_batches set checksum = 'forged' where id = ${batch.id}`)),
    ).toMatch(/fixed/);
    expect(await refusal(db.execute(sql`delete from payout_batch_items where batch_id = ${batch.id}`))).toMatch(
      /never deleted/,
    );
    expect(await refusal(db.execute(sql`update payout_batches set status = 'draft' where id = ${batch.id}`))).toMatch(
      /cannot move/,
    );
    // The reward cannot be marked sent behind the batch's back either.
    const rewardId = batch.lines[0].rewardIds[0];
    expect(
      await refusal(
        db.execute(
          sql`update rewards set status = 'sent', sent_at = now() where workspace_id = ${t.workspaceId} and id = ${rewardId}`,
        ),
      ),
    ).toMatch(/payout batch/);
  });
});

describe('the two-person amount over several small batches', () => {
  let t: TestApp;
  let maker: Api;
  let checker: Api;
  beforeAll(async () => {
    t = await startTestApp();
    maker = await t.as('finance', 'Mia Maker');
    checker = await t.as('finance', 'Carl Checker');
    await setup(t, {}, { twoApproversAbove: 8000 });
  });
  afterAll(() => t.close());

  it('attacker: drafting batches under the amount with `through` does not let one checker approve them all', async () => {
    const times: string[] = [];
    for (let i = 0; i < 3; i++) {
      await approvedReward(t, maker);
      times.push(t.clock.now().toISOString());
      t.clock.advance(60_000);
    }
    const first = json(await maker.post('/v1/payout-batches', { currency: 'USD', through: times[0] }), 201);
    expect(first.approval.required).toBe(1);
    expect(json(await checker.post(`/v1/payout-batches/${first.id}/approve`, {}), 200).status).toBe('approved');
    // 5,000 more from the same checker today is 10,000: above 8,000, a second person.
    const second = json(await maker.post('/v1/payout-batches', { currency: 'USD', through: times[1] }), 201);
    expect(second.total).toBe(5000);
    expect(second.approval.required).toBe(2);
    const once = json(await checker.post(`/v1/payout-batches/${second.id}/approve`, {}), 200);
    expect(once).toMatchObject({ status: 'draft', approval: { remaining: 1 } });
    // A draft awaiting approval counts too: the third sees the first (approved) and the second.
    const third = json(await maker.post('/v1/payout-batches', { currency: 'USD', through: times[2] }), 201);
    expect(third.approval.required).toBe(2);
    // Cancelled batches do not count, the approved first one still does.
    json(await checker.post(`/v1/payout-batches/${second.id}/cancel`, { reason: 'split' }), 200);
    json(await checker.post(`/v1/payout-batches/${third.id}/cancel`, { reason: 'split' }), 200);
    const a = json(await maker.post('/v1/payout-batches', { currency: 'USD', through: times[1] }), 201);
    const b = json(await maker.post('/v1/payout-batches', { currency: 'USD', through: times[2] }), 201);
    expect(json(await checker.post(`/v1/payout-batches/${a.id}/approve`, {}), 200).status).toBe('draft');
    expect(json(await checker.post(`/v1/payout-batches/${b.id}/approve`, {}), 200).status).toBe('draft');
    // A day later the window has moved on: one batch alone under the amount takes one checker.
    for (const id of [a.id, b.id]) json(await checker.post(`/v1/payout-batches/${id}/cancel`, { reason: 'x' }), 200);
    t.clock.advance(25 * 3_600_000);
    const later = json(await maker.post('/v1/payout-batches', { currency: 'USD', through: times[1] }), 201);
    expect(later).toMatchObject({ total: 5000, approval: { required: 1 } });
  });
});

describe('two people at once', () => {
  let t: TestApp;
  let finance: Api;
  let others: Api[];
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance', 'Fran Finance');
    others = [await t.as('finance', 'Chris'), await t.as('finance', 'Dana'), await t.as('owner', 'Omar')];
    await setup(t);
  });
  afterAll(() => t.close());

  it('never put the same reward in two drafts made at the same moment', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await approvedReward(t, finance)).reward.id);
    const answers = await Promise.all(others.map((api) => api.post('/v1/payout-batches', { currency: 'USD' })));
    const made = answers.filter((answer) => answer.statusCode === 201).map((answer) => JSON.parse(answer.body));
    for (const answer of answers) expect([201, 422]).toContain(answer.statusCode);
    const taken = made.flatMap((batch) => batch.lines.flatMap((line: { rewardIds: string[] }) => line.rewardIds));
    expect(taken.sort()).toEqual([...ids].sort());
    expect(new Set(taken).size).toBe(taken.length);
    for (const batch of made) json(await finance.post(`/v1/payout-batches/${batch.id}/cancel`, { reason: 'x' }), 200);
  });

  it('approves once and pays once when the buttons are pressed together', async () => {
    const { reward } = await approvedReward(t, finance);
    const batch = json(await finance.post('/v1/payout-batches', { currency: 'USD' }), 201);
    const approvals = await Promise.all(others.map((api) => api.post(`/v1/payout-batches/${batch.id}/approve`, {})));
    expect(approvals.map((a) => a.statusCode).sort()).toEqual([200, 409, 409]);
    const pays = await Promise.all(
      [finance, ...others].map((api, i) =>
        api.post(`/v1/payout-batches/${batch.id}/mark-paid`, { reference: `REF-${i}` }),
      ),
    );
    expect(pays.map((p) => p.statusCode).sort()).toEqual([200, 409, 409, 409]);
    const detail = json(await t.owner.get(`/v1/rewards/${reward.id}`), 200);
    expect(detail.status).toBe('sent');
    expect(detail.messages.filter((m: { kind: string }) => m.kind === 'thank_you')).toHaveLength(1);
    const sentEvents = rowsOf<{ n: number }>(
      await t.database.db.execute(
        sql`select count(*)::int as n from audit_events where object_id = ${reward.id} and action = 'reward.sent'`,
      ),
    );
    expect(sentEvents[0]?.n).toBe(1);
  });
});

describe('the monthly payout run', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The 15th of March: the program pays on the 15th.
    t = await startTestApp({ start: new Date('2026-03-15T06:00:00Z') });
    await setup(t, {}, { payoutDayOfMonth: 15 });
    json(await t.owner.patch('/v1/workspace', { notifyEmails: ['finance@example.com'] }), 200);
  });
  afterAll(() => t.close());

  it('drafts the batch on the payout day once, however often the scheduler runs, and tells finance', async () => {
    const finance = await t.as('finance');
    const { reward } = await approvedReward(t, finance);
    const scheduler = createScheduler({ db: t.database.db, clock: t.clock, publicUrl: 'http://rewardloop.test' });
    await Promise.all([scheduler.runOnce(), scheduler.runOnce()]);
    await scheduler.runOnce();
    const batches = json(await finance.get('/v1/payout-batches'), 200).items;
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({
      status: 'draft',
      scheduledFor: '2026-03-15',
      maker: { name: 'Monthly payout run' },
    });
    expect(batches[0].lines[0].rewardIds).toEqual([reward.id]);
    // Any finance person may approve the scheduler's draft.
    expect(batches[0].approval.youMayApprove).toBe(true);
    const notices = rowsOf<{ to_address: string; subject: string }>(
      await t.database.db.execute(
        sql`select to_address, subject from messages where workspace_id = ${t.workspaceId} and reward_id is null`,
      ),
    );
    expect(notices).toEqual([
      { to_address: 'finance@example.com', subject: expect.stringContaining('Payout batch ready') },
    ]);

    // The next day is not a payout day.
    t.clock.advance(86_400_000);
    await approvedReward(t, finance);
    await scheduler.runOnce();
    expect(json(await finance.get('/v1/payout-batches'), 200).items).toHaveLength(1);
  });

  it('refuses a payout day that is not a day of the month', async () => {
    const answer = json(await t.owner.put('/v1/program-rules', { ...baseRules, payoutDayOfMonth: 32 }), 400);
    expect(answer.field).toBe('payoutDayOfMonth');
  });
});

describe('tax flags and the tax report', () => {
  let t: TestApp;
  let finance: Api;
  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('finance', 'Fran Finance');
    // $1,200 gift cards: the second one in a year takes a payee past the 2,000 USD default.
    await setup(t, { amount: 120_000 });
  });
  afterAll(() => t.close());

  it('holds the claim that takes a payee without a form to the threshold, until finance records the form', async () => {
    const payee = await newParticipant(t.owner, { name: 'Tina Taxpayer' });
    const first = await approvedReward(t, finance, payee);
    const referred = await newParticipant(t.owner);
    await newReferral(t.owner, payee.id, referred.id);
    const second = json(
      await t.owner.post('/v1/conversions', {
        externalId: `sale-${referred.id}`,
        type: 'deal_won',
        referredId: referred.id,
        amount: 100_000,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    const held = json(await t.owner.get(`/v1/rewards/${second.id}`), 200);
    const flag = held.flags.find((f: { type: string }) => f.type === 'tax_form_missing');
    expect(flag?.reason).toContain('2,400.00 USD');
    expect(held.checks.find((c: { check: string }) => c.check === 'tax_form')).toMatchObject({ passed: false });
    expect(json(await finance.post(`/v1/rewards/${second.id}/approve`, {}), 409).code).toBe('flags_unresolved');
    // The flag is cleared once the form is on file, not before.
    expect(
      json(await finance.post(`/v1/rewards/${second.id}/flags/${flag.id}/resolve`, { reason: 'asked for it' }), 409)
        .detail,
    ).toContain('tax form first');
    expect(
      json(
        await finance.put(`/v1/participants/${payee.id}/tax-form`, { type: 'W-9', receivedAt: '2099-01-01T00:00:00Z' }),
        400,
      ).field,
    ).toBe('receivedAt');
    // An hour ahead of the service's clock is the future; a browser a minute ahead is not.
    const ahead = (ms: number) => new Date(t.clock.now().getTime() + ms).toISOString();
    expect(
      json(
        await finance.put(`/v1/participants/${payee.id}/tax-form`, { type: 'W-9', receivedAt: ahead(3_600_000) }),
        400,
      ).field,
    ).toBe('receivedAt');
    json(await finance.put(`/v1/participants/${payee.id}/tax-form`, { type: 'W-9', receivedAt: ahead(60_000) }), 200);
    expect(
      json(await finance.put(`/v1/participants/${payee.id}/tax-form`, { type: 'W-9', tin: '123' }), 400).code,
    ).toBe('validation_failed');
    const recorded = json(
      await finance.put(`/v1/participants/${payee.id}/tax-form`, { type: 'W-9', receivedAt: '2026-03-01T00:00:00Z' }),
      200,
    );
    expect(recorded.taxForm).toEqual({ type: 'W-9', receivedAt: '2026-03-01T00:00:00.000Z' });
    json(await finance.post(`/v1/rewards/${second.id}/flags/${flag.id}/resolve`, { reason: 'W-9 received' }), 200);
    json(await finance.post(`/v1/rewards/${second.id}/approve`, {}), 200);

    // Both paid: the report shows Tina over the threshold with her form.
    json(await t.owner.post(`/v1/rewards/${first.reward.id}/mark-sent`, {}), 200);
    json(await t.owner.post(`/v1/rewards/${second.id}/mark-sent`, {}), 200);
    const report = json(await finance.get('/v1/reports/tax?year=2026'), 200);
    expect(report.threshold).toEqual({ amount: 200_000, currency: 'USD' });
    expect(report.payees).toEqual([
      expect.objectContaining({
        participantId: payee.id,
        paidTotal: 240_000,
        paidCount: 2,
        overThreshold: true,
        formMissing: false,
        taxForm: { type: 'W-9', receivedAt: '2026-03-01T00:00:00.000Z' },
      }),
    ]);
    const csv = await finance.get('/v1/reports/tax.csv?year=2026');
    expect(csv.statusCode).toBe(200);
    const rows = parseCsv(csv.body);
    expect(rows[0]?.slice(0, 5)).toEqual(['participantId', 'name', 'email', 'year', 'paidTotal']);
    expect(rows[1]?.slice(3, 8)).toEqual(['2026', '2400.00', '240000', 'USD', '2']);
    expect(json(await finance.get('/v1/reports/tax?year=2025'), 200).payees).toEqual([]);
    expect(json(await finance.get('/v1/reports/tax?year=20x6'), 400).field).toBe('year');
    expect(json(await (await t.as('staff')).get('/v1/reports/tax?year=2026'), 403).code).toBe('forbidden');
  });

  it("shows a referrer's lifetime value: referred revenue net of refunds, minus rewards paid", async () => {
    const payee = await newParticipant(t.owner, { name: 'Val Value' });
    const { reward, conversion } = await approvedReward(t, finance, payee);
    json(await t.owner.post(`/v1/rewards/${reward.id}/mark-sent`, {}), 200);
    json(
      await t.owner.post('/v1/conversions', {
        externalId: `partial-${conversion.id}`,
        type: 'refund',
        originalExternalId: conversion.externalId,
        amount: 10_000,
        currency: 'USD',
      }),
      201,
    );
    const figures = json(await t.owner.get(`/v1/participants/${payee.id}/payouts`), 200);
    // $1,000.00 sale − $100.00 refunded − $1,200.00 gift card = −$300.00
    expect(figures.lifetimeValue).toEqual([
      { currency: 'USD', referredRevenue: 100_000, refunded: 10_000, rewardsPaid: 120_000, value: -30_000 },
    ]);
    expect(figures.paidThisYear).toEqual([{ currency: 'USD', amount: 120_000 }]);
    const measures = json(await t.owner.get('/v1/reports/payouts'), 200);
    expect(measures.costByRewardType).toEqual(
      expect.arrayContaining([expect.objectContaining({ rewardType: 'gift_card', currency: 'USD' })]),
    );
    expect(measures.payoutTime[0]).toMatchObject({ month: '2026-03', medianHours: 0 });
  });
});
