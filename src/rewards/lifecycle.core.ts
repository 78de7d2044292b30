/**
 * The claim lifecycle as a table. The database trigger `rewards_guard` (migration 0001) holds the
 * same table, so a move the code allows but the table forbids still fails.
 *
 *   in_review ─approve→ pending ─mark_sent→ sent ─thank→ thanked
 *       │                 │  ╲──decline→ declined        │          │
 *    reject→ rejected     │   ╲─mark_failed→ failed ─retry→ pending │
 *                         └─reopen→ in_review     (failed ─mark_sent→ sent)
 *   any unpaid state ─reverse→ reversed (void);  sent/thanked ─reverse→ reversed (+ recovery task)
 */
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
};

/** The status an action leads to, or null when the action is not possible from `from`. */
export function nextStatus(from: RewardStatus, action: RewardAction): RewardStatus | null {
  return MOVES[action][from] ?? null;
}

export function statusesAllowing(action: RewardAction): RewardStatus[] {
  return Object.keys(MOVES[action]) as RewardStatus[];
}

/** Every (from → to) pair the lifecycle allows: what the database trigger must also allow. */
export function allowedTransitions(): [RewardStatus, RewardStatus][] {
  const pairs = new Set<string>();
  for (const action of REWARD_ACTIONS) {
    for (const [from, to] of Object.entries(MOVES[action])) pairs.add(`${from}>${to}`);
  }
  return [...pairs].map((pair) => pair.split('>') as [RewardStatus, RewardStatus]);
}

export function isPaid(status: RewardStatus): boolean {
  return status === 'sent' || status === 'thanked';
}

export function isOpen(status: RewardStatus): boolean {
  return status === 'in_review' || status === 'pending' || status === 'failed';
}

/** Cash-like rewards are clawed back; gift cards, codes and credits need a recovery task. */
export function recoveryKindFor(rewardType: string): 'clawback' | 'recovery' {
  return rewardType === 'commission_share' ? 'clawback' : 'recovery';
}
