/**
 * Payout batches, the pure part: which rewards a batch may take, its lines per payee, the
 * checksum that freezes them, who may approve, and the export rows. Nothing here reads a clock
 * or a table; the service loads, asks here, writes.
 */
import type { PolicyTerms } from '../policy/policy.core.js';
import { amountAbove } from '../policy/rules.core.js';
import { canonicalJson } from '../shared/canonical.js';
import { decimalAmount, formatMoney } from '../shared/currency.js';

export const PAYOUT_BATCH_STATUSES = ['draft', 'approved', 'paid', 'cancelled'] as const;
export type PayoutBatchStatus = (typeof PAYOUT_BATCH_STATUSES)[number];

/** A batch still holding its rewards: they cannot be marked sent alone nor put in another batch. */
export const OPEN_BATCH_STATUSES = ['draft', 'approved'] as const satisfies readonly PayoutBatchStatus[];

/**
 * Rewards finance pays out of its own account (a transfer, a card bought by hand): gift cards,
 * commission shares, and custom rewards that carry an amount. Codes and credits are not money
 * leaving the business.
 */
export const PAID_OUT_REWARD_TYPES = [
  'gift_card',
  'commission_share',
  'custom',
] as const satisfies readonly PolicyTerms['rewardType'][];

export function isPaidOut(reward: { rewardType: string; amount: number }): boolean {
  return (PAID_OUT_REWARD_TYPES as readonly string[]).includes(reward.rewardType) && reward.amount > 0;
}

export interface BatchItem {
  rewardId: string;
  participantId: string;
  name: string;
  email: string | null;
  amount: number;
  removedAt: Date | null;
}

export interface BatchLine {
  participantId: string;
  name: string;
  email: string | null;
  amount: number;
  rewardIds: string[];
}

/**
 * One line per payee over the items still in the batch (a refunded reward's item is taken
 * out), payees by name then id, each line's rewards by id: the same items always make the
 * same lines, so the checksum is stable.
 */
export function batchLines(items: readonly BatchItem[]): BatchLine[] {
  const byPayee = new Map<string, BatchLine>();
  for (const item of items) {
    if (item.removedAt) continue;
    const line = byPayee.get(item.participantId) ?? {
      participantId: item.participantId,
      name: item.name,
      email: item.email,
      amount: 0,
      rewardIds: [],
    };
    line.amount += item.amount;
    line.rewardIds.push(item.rewardId);
    byPayee.set(item.participantId, line);
  }
  const lines = [...byPayee.values()];
  for (const line of lines) line.rewardIds.sort();
  return lines.sort((a, b) =>
    a.name === b.name ? a.participantId.localeCompare(b.participantId) : a.name.localeCompare(b.name),
  );
}

export function linesTotal(lines: readonly BatchLine[]): number {
  return lines.reduce((sum, line) => sum + line.amount, 0);
}

/**
 * What the checksum is taken over: the batch's id, currency and lines in canonical JSON. The
 * SHA-256 of it is recorded when the batch is approved and recomputed whenever the batch is shown,
 * exported or paid, so any change to what was approved (a row edited behind the application's
 * back) shows as a mismatch instead of being paid. (Hashed by the service: the web app reads this
 * module's types, and the browser has no node:crypto.)
 */
export function checksumBody(batch: { id: string; currency: string }, lines: readonly BatchLine[]): string {
  return canonicalJson({
    id: batch.id,
    currency: batch.currency,
    lines: lines.map((line) => ({
      participantId: line.participantId,
      email: line.email,
      amount: line.amount,
      rewardIds: line.rewardIds,
    })),
  });
}

/** The two-person rule counts the money one checker lets out over this window, not one batch at a time. */
export const TWO_PERSON_WINDOW_MS = 24 * 3_600_000;

/**
 * Above the program's two-person amount (in its currency; another currency counts as above), two
 * approvers. What is compared is the money one checker would let out: this batch's total plus the
 * totals of the other batches of the same currency approved or awaiting approval in the last 24
 * hours (not cancelled; the service loads them), so drafting several small batches (`through`)
 * each under the amount does not dodge the second person.
 */
export function approvalsRequired(
  total: number,
  currency: string,
  rules: { twoApproversAbove: number | null; currency: string },
  recentOtherTotals: readonly number[] = [],
): 1 | 2 {
  const exposure = recentOtherTotals.reduce((sum, amount) => sum + amount, total);
  return amountAbove(exposure, currency, rules.twoApproversAbove, rules.currency) ? 2 : 1;
}

export interface ApprovalBlocker {
  code: 'invalid_transition' | 'maker_checker' | 'already_approved' | 'unprocessable';
  message: string;
}

/**
 * Maker-checker for a batch: only a draft is approved; its creator never approves it (nor does
 * a key they minted: `person` is the human behind the credential); each person approves once.
 * The scheduler's drafts have no human maker, so any finance person may approve them.
 */
export function approvalBlocker(input: {
  status: PayoutBatchStatus;
  createdBy: string;
  approverIds: readonly string[];
  person: string;
  lines: number;
}): ApprovalBlocker | null {
  if (input.status !== 'draft') {
    return { code: 'invalid_transition', message: `This batch is ${input.status}; only a draft can be approved.` };
  }
  if (input.person === input.createdBy) {
    return {
      code: 'maker_checker',
      message: 'You drafted this batch, so someone else must approve it.',
    };
  }
  if (input.approverIds.includes(input.person)) {
    return {
      code: 'already_approved',
      message: 'You already approved this batch; above the two-person amount a different second person must approve.',
    };
  }
  if (input.lines === 0) {
    return { code: 'unprocessable', message: 'This batch has nothing left to pay (every reward was taken out).' };
  }
  return null;
}

/** What the screen shows beside the Approve button: who may approve, and why not. */
export function approvalState(input: {
  status: PayoutBatchStatus;
  createdBy: string;
  approverIds: readonly string[];
  required: number;
}) {
  const remaining = Math.max(0, input.required - input.approverIds.length);
  return {
    required: input.required,
    remaining: input.status === 'draft' ? remaining : 0,
    excluded: [input.createdBy, ...input.approverIds],
  };
}

export const EXPORT_FORMATS = ['generic', 'paypal'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const GENERIC_COLUMNS = [
  'payee',
  'email',
  'amount',
  'amountMinor',
  'currency',
  'rewardIds',
  'participantId',
  'batchId',
] as const;

/**
 * The rows of an export. Generic: a header and one row per payee. PayPal Payouts' bulk upload
 * (Payouts Web): no header; recipient email, amount as a plain decimal ("100.50", one currency
 * per file), currency, customer id (the participant id: PayPal allows 30 characters without
 * spaces, which `par_` + 26 is), note to recipient (at most 400 characters), wallet PAYPAL.
 */
export function exportRows(
  format: ExportFormat,
  batch: { id: string; currency: string; note: string | null },
  lines: readonly BatchLine[],
  businessName: string,
): (string | number)[][] {
  if (format === 'generic') {
    return [
      [...GENERIC_COLUMNS],
      ...lines.map((line) => [
        line.name,
        line.email ?? '',
        decimalAmount(line.amount, batch.currency),
        line.amount,
        batch.currency,
        line.rewardIds.join(' '),
        line.participantId,
        batch.id,
      ]),
    ];
  }
  return lines.map((line) => [
    line.email ?? '',
    decimalAmount(line.amount, batch.currency),
    batch.currency,
    line.participantId.slice(0, 30),
    paypalNote(businessName, line, batch.currency),
    'PAYPAL',
  ]);
}

function paypalNote(businessName: string, line: BatchLine, currency: string): string {
  const count = line.rewardIds.length;
  const note = `${businessName}: ${count} referral reward${count === 1 ? '' : 's'}, ${formatMoney(line.amount, currency)}. Thank you!`;
  return note.slice(0, 400);
}

/** Payees PayPal cannot pay: it needs the recipient's email. */
export function payeesWithoutEmail(lines: readonly BatchLine[]): BatchLine[] {
  return lines.filter((line) => !line.email);
}

/** The day of the month a scheduled batch is drafted, clamped to the month's last day (31 → 28 in February). */
export function isPayoutDay(payoutDayOfMonth: number | null, at: Date): boolean {
  if (payoutDayOfMonth === null) return false;
  const lastDay = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0)).getUTCDate();
  return at.getUTCDate() === Math.min(payoutDayOfMonth, lastDay);
}
