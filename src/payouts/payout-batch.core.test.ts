import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  approvalBlocker,
  approvalsRequired,
  type BatchItem,
  batchLines,
  checksumBody,
  exportRows,
  isPayoutDay,
  linesTotal,
} from './payout-batch.core.js';

const item = fc.record({
  rewardId: fc.stringMatching(/^rwd_[0-9A-Z]{6}$/),
  participantId: fc.constantFrom('par_A', 'par_B', 'par_C', 'par_D'),
  amount: fc.integer({ min: 1, max: 10_000_000 }),
  removed: fc.boolean(),
});

const items = fc.uniqueArray(item, { selector: (row) => row.rewardId, maxLength: 40 }).map((rows) =>
  rows.map(
    (row): BatchItem => ({
      rewardId: row.rewardId,
      participantId: row.participantId,
      name: `Payee ${row.participantId.slice(4)}`,
      email: `${row.participantId}@example.com`,
      amount: row.amount,
      removedAt: row.removed ? new Date('2026-03-01T00:00:00Z') : null,
    }),
  ),
);

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('payout batch lines', () => {
  it('pay exactly the items still in the batch, each once, one line per payee', () => {
    fc.assert(
      fc.property(items, (rows) => {
        const lines = batchLines(rows);
        const kept = rows.filter((row) => !row.removedAt);
        expect(linesTotal(lines)).toBe(kept.reduce((sum, row) => sum + row.amount, 0));
        expect(lines.flatMap((line) => line.rewardIds).sort()).toEqual(kept.map((row) => row.rewardId).sort());
        expect(new Set(lines.map((line) => line.participantId)).size).toBe(lines.length);
        for (const line of lines) {
          const own = kept.filter((row) => row.participantId === line.participantId);
          expect(line.amount).toBe(own.reduce((sum, row) => sum + row.amount, 0));
        }
      }),
    );
  });

  it('have the same checksum whatever order the items were read in', () => {
    fc.assert(
      fc.property(
        items.chain((rows) => fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows, { minLength: rows.length }))),
        ([rows, shuffled]) => {
          const batch = { id: 'pob_1', currency: 'USD' };
          expect(sha(checksumBody(batch, batchLines(shuffled)))).toBe(sha(checksumBody(batch, batchLines(rows))));
        },
      ),
    );
  });

  it('change the checksum when any amount changes', () => {
    fc.assert(
      fc.property(
        items.filter((rows) => rows.some((row) => !row.removedAt)),
        (rows) => {
          const batch = { id: 'pob_1', currency: 'USD' };
          const target = rows.findIndex((row) => !row.removedAt);
          const changed = rows.map((row, i) => (i === target ? { ...row, amount: row.amount + 1 } : row));
          expect(checksumBody(batch, batchLines(changed))).not.toBe(checksumBody(batch, batchLines(rows)));
        },
      ),
    );
  });
});

describe('who may approve a batch', () => {
  const draft = { status: 'draft' as const, createdBy: 'usr_maker', approverIds: [] as string[], lines: 2 };

  it.each([
    ['its maker', { ...draft, person: 'usr_maker' }, 'maker_checker'],
    ['someone who already approved it', { ...draft, approverIds: ['usr_a'], person: 'usr_a' }, 'already_approved'],
    ['anyone, once it is approved', { ...draft, status: 'approved' as const, person: 'usr_b' }, 'invalid_transition'],
    ['anyone, when nothing is left in it', { ...draft, lines: 0, person: 'usr_b' }, 'unprocessable'],
    ['a second person', { ...draft, approverIds: ['usr_a'], person: 'usr_b' }, null],
  ])('refuses %s', (_who, input, code) => {
    expect(approvalBlocker(input)?.code ?? null).toBe(code);
  });

  it.each([
    // total, threshold → approvals
    [500_000, null, 1], // no two-person amount
    [500_000, 500_000, 1], // $5,000.00 at the threshold: one
    [500_001, 500_000, 2], // a cent above: two
  ])('needs the right number of approvers for %i with a threshold of %s', (total, threshold, required) => {
    expect(approvalsRequired(total, 'USD', { twoApproversAbove: threshold, currency: 'USD' })).toBe(required);
  });

  it.each([
    // this batch, the other batches of the last 24 hours, threshold → approvals
    [5_000, [], 8_000, 1], // alone, under the amount
    [5_000, [5_000], 8_000, 2], // a second small batch: one checker would let out 10,000
    [5_000, [5_000, 5_000], 8_000, 2], // the third of three split batches
    [3_000, [5_000], 8_000, 1], // 8,000 together: at the amount, one
    [3_001, [5_000], 8_000, 2], // a cent above together: two
    [1, [2_000, 3_000, 3_000], 8_000, 2], // many small ones add up
    [5_000, [5_000], null, 1], // no two-person amount
  ] as const)(
    'counts the money one checker lets out: %i with %j in the window, threshold %s',
    (total, others, threshold, required) => {
      expect(approvalsRequired(total, 'USD', { twoApproversAbove: threshold, currency: 'USD' }, others)).toBe(required);
    },
  );

  it('counts another currency as above the threshold (it cannot be compared)', () => {
    expect(approvalsRequired(100, 'EUR', { twoApproversAbove: 500_000, currency: 'USD' })).toBe(2);
  });
});

describe('exports and the payout day', () => {
  it('writes PayPal rows without a header, the amount as a plain decimal', () => {
    const lines = batchLines([
      {
        rewardId: 'rwd_1',
        participantId: 'par_A',
        name: 'Ann',
        email: 'ann@example.com',
        amount: 123_456,
        removedAt: null,
      },
    ]);
    const [row, ...rest] = exportRows('paypal', { id: 'pob_1', currency: 'USD', note: null }, lines, 'Acme');
    expect(rest).toEqual([]);
    expect(row?.slice(0, 4)).toEqual(['ann@example.com', '1234.56', 'USD', 'par_A']);
    expect(row?.at(-1)).toBe('PAYPAL');
  });

  it.each([
    [15, '2026-03-15T08:00:00Z', true],
    [15, '2026-03-16T08:00:00Z', false],
    [31, '2026-02-28T08:00:00Z', true], // the last day of a shorter month
    [31, '2026-03-30T08:00:00Z', false],
    [null, '2026-03-15T08:00:00Z', false],
  ])('day %s is a payout day on %s: %s', (day, at, expected) => {
    expect(isPayoutDay(day, new Date(at))).toBe(expected);
  });
});
