/**
 * The claim lifecycle as a table. The database trigger `rewards_guard` (migration 0001) holds the
 * same table, so a move the code allows but the table forbids still fails.
 *
 *   in_review ─approve→ pending ─mark_sent→ sent ─thank→ thanked
 *       │                 │  ╲──decline→ declined        │          │
 *    reject→ rejected     │   ╲─mark_failed→ failed ─retry→ pending │
 *                         └─reopen→ in_review     (failed ─mark_sent→ sent)
 *   any unpaid state ─reverse→ reversed (void);  sent/thanked ─reverse→ reversed (+ recovery task)
 *   in_review/pending ─revise→ in_review (a new amount or payee: a new review round)
 */
import { AppError } from '../shared/errors.js';

export const REWARD_STATUSES = [
  'in_review',
  'pending',
  'sent',
  'thanked',
  'declined',
  'failed',
  'rejected',
  'reversed',
] as const;
export type RewardStatus = (typeof REWARD_STATUSES)[number];

export const REWARD_ACTIONS = [
  'approve',
  'reject',
  'reopen',
  'mark_sent',
  'decline',
  'mark_failed',
  'retry',
  'thank',
  'reverse',
  'revise',
] as const;
export type RewardAction = (typeof REWARD_ACTIONS)[number];

const MOVES: Record<RewardAction, Partial<Record<RewardStatus, RewardStatus>>> = {
  approve: { in_review: 'pending' },
  reject: { in_review: 'rejected' },
  reopen: { pending: 'in_review' },
  mark_sent: { pending: 'sent', failed: 'sent' },
  decline: { pending: 'declined' },
  mark_failed: { pending: 'failed' },
  retry: { failed: 'pending' },
  thank: { sent: 'thanked' },
  reverse: { in_review: 'reversed', pending: 'reversed', failed: 'reversed', sent: 'reversed', thanked: 'reversed' },
  revise: { in_review: 'in_review', pending: 'in_review' },
};

/** The status an action leads to, or null when the action is not possible from `from`. */
export function nextStatus(from: RewardStatus, action: RewardAction): RewardStatus | null {
  return MOVES[action][from] ?? null;
}

export function statusesAllowing(action: RewardAction): RewardStatus[] {
  return Object.keys(MOVES[action]) as RewardStatus[];
}

/** Every (from → to) change of status the lifecycle allows: what the database trigger must also allow. */
export function allowedTransitions(): [RewardStatus, RewardStatus][] {
  const pairs = new Set<string>();
  for (const action of REWARD_ACTIONS) {
    for (const [from, to] of Object.entries(MOVES[action])) if (from !== to) pairs.add(`${from}>${to}`);
  }
  return [...pairs].map((pair) => pair.split('>') as [RewardStatus, RewardStatus]);
}

/**
 * The named sets of statuses, each defined once; SQL uses them through `statusList` in
 * reward.repo.ts, never a literal of its own.
 */
export const STATUS_SETS = {
  /** Holds the referred customer's one reward (the unique index `rewards_one_per_referred_uq`). */
  live: REWARD_STATUSES.filter((status) => status !== 'reversed'),
  /** Counts toward the referrer's tier ordinal, caps and closed referrals. */
  countsTowardTier: REWARD_STATUSES.filter((status) => status !== 'reversed' && status !== 'rejected'),
  /** Not yet paid nor closed: checks may still run, flags may still be raised. */
  open: ['in_review', 'pending', 'failed'],
  /** Fulfilled: a reversal needs a clawback or recovery task. */
  paid: ['sent', 'thanked'],
  /** Decided by a person and still counting toward the referrer (a milestone bonus waits for these). */
  settled: ['pending', 'sent', 'thanked', 'failed', 'declined'],
  /** Closed without payment: a refund has nothing left to undo. */
  closedUnpaid: ['reversed', 'rejected', 'declined'],
} as const satisfies Record<string, readonly RewardStatus[]>;
export type StatusSet = keyof typeof STATUS_SETS;

export function inSet(set: StatusSet, status: RewardStatus): boolean {
  return (STATUS_SETS[set] as readonly RewardStatus[]).includes(status);
}

export function isPaid(status: RewardStatus): boolean {
  return inSet('paid', status);
}

/** Whether what a claim pays, or to whom, may still change (a new review round follows). */
export function canRevise(status: RewardStatus): boolean {
  return nextStatus(status, 'revise') !== null;
}

export function isOpen(status: RewardStatus): boolean {
  return inSet('open', status);
}

export const ACTION_WORDS: Record<RewardAction, string> = {
  approve: 'approved',
  reject: 'rejected',
  reopen: 'sent back to review',
  mark_sent: 'marked sent',
  decline: 'declined',
  mark_failed: 'marked failed',
  retry: 'retried',
  thank: 'thanked',
  reverse: 'reversed',
  revise: 'changed',
};

/** The 409 for an action the claim's status does not allow, saying what would. */
export function transitionError(status: RewardStatus, action: RewardAction): AppError {
  const from = statusesAllowing(action).join(' or ');
  const hint = action === 'mark_sent' && status === 'in_review' ? ' It must be approved first.' : '';
  return new AppError(
    'invalid_transition',
    `This reward is ${status.replace('_', ' ')}; only a reward that is ${from.replaceAll('_', ' ')} can be ${ACTION_WORDS[action]}.${hint}`,
    { details: { currentStatus: status, action } },
  );
}

/** Cash-like rewards are clawed back; gift cards, codes and credits need a recovery task. */
export function recoveryKindFor(rewardType: string): 'clawback' | 'recovery' {
  return rewardType === 'commission_share' ? 'clawback' : 'recovery';
}
