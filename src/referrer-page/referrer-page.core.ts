/**
 * What a referrer's own page shows, from their facts alone: their link and how to share it,
 * their counts, their rewards and what became of each. Never another person's data: the people
 * they referred appear only as counts, never by name or contact, whatever the rewards say.
 */
import type { RewardStatus } from '../rewards/lifecycle.core.js';
import { formatMoney } from '../shared/currency.js';

/** A referrer's words for a reward's status (the staff's words are in the web app). */
export const REFERRER_STATUS_WORDS: Record<RewardStatus, string> = {
  in_review: 'Being reviewed',
  pending: 'Approved, on its way',
  sent: 'Sent to you',
  thanked: 'Sent to you',
  failed: 'On its way (we are sorting out a delay)',
  declined: 'You declined it',
  rejected: 'Not eligible',
  reversed: 'Withdrawn',
};

export interface ReferrerPageFacts {
  firstName: string;
  businessName: string;
  referralUrl: string;
  referralsMade: number;
  rewards: { summary: string; status: RewardStatus; amount: number; currency: string; createdAt: Date }[];
  /** Their account credit and discount codes (from credits/ and discount-codes/), when they have any. */
  credit?: { balances: { currency: string; amount: number }[]; codes: { code: string; status: string }[] } | undefined;
}

export interface ReferrerPageView {
  heading: string;
  referralUrl: string;
  smsHref: string;
  mailtoHref: string;
  referralsMade: number;
  referralsSuccessful: number;
  rewardsEarned: string[];
  rewards: { summary: string; status: string; date: string }[];
  credit: { balances: string[]; codes: { code: string; status: string }[] } | null;
}

const PAID: RewardStatus[] = ['sent', 'thanked'];
const SUCCESSFUL: RewardStatus[] = ['in_review', 'pending', 'sent', 'thanked', 'failed', 'declined'];

export function referrerPageView(facts: ReferrerPageFacts): ReferrerPageView {
  const invite = `I recommend ${facts.businessName}. Use my link: ${facts.referralUrl}`;
  const earned = new Map<string, number>();
  for (const reward of facts.rewards) {
    if (PAID.includes(reward.status)) earned.set(reward.currency, (earned.get(reward.currency) ?? 0) + reward.amount);
  }
  return {
    heading: `Hi ${facts.firstName}, thank you for spreading the word`,
    referralUrl: facts.referralUrl,
    smsHref: `sms:?&body=${encodeURIComponent(invite)}`,
    mailtoHref: `mailto:?subject=${encodeURIComponent(`You’ll like ${facts.businessName}`)}&body=${encodeURIComponent(invite)}`,
    referralsMade: facts.referralsMade,
    referralsSuccessful: facts.rewards.filter((reward) => SUCCESSFUL.includes(reward.status)).length,
    rewardsEarned: [...earned.entries()].map(([currency, amount]) => formatMoney(amount, currency)),
    rewards: facts.rewards.map((reward) => ({
      summary: reward.summary,
      status: REFERRER_STATUS_WORDS[reward.status],
      date: reward.createdAt.toISOString().slice(0, 10),
    })),
    credit: facts.credit
      ? {
          balances: facts.credit.balances.map((balance) => formatMoney(balance.amount, balance.currency)),
          codes: facts.credit.codes,
        }
      : null,
  };
}
