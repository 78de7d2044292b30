/**
 * The closed lists that several features, the database enums and the web app all name, kept
 * below every feature so each can use them without depending on another.
 *
 * Why here and not in the owning feature: program rules (policy/) name conversion types and
 * participant kinds, while conversions/ and participants/ depend on policy/ (default program,
 * hold periods) and on workspaces/ (which seeds the default rules); the lists in either owner
 * would close a cycle. Roles are part of who is acting (shared/actor.ts), which every layer
 * speaks; what each role may do is access/'s (access/roles.core.ts).
 */

export const ROLES = ['owner', 'finance', 'staff', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PARTICIPANT_KINDS = ['customer', 'partner', 'employee'] as const;
export type ParticipantKind = (typeof PARTICIPANT_KINDS)[number];

export const CONVERSION_TYPES = ['deal_won', 'job_invoiced', 'invoice_paid', 'refund', 'chargeback'] as const;
export type ConversionType = (typeof CONVERSION_TYPES)[number];
/** The sale-like types a program may make qualify. */
export const QUALIFYING_CANDIDATES = ['deal_won', 'job_invoiced', 'invoice_paid'] as const;
export const REVERSAL_TYPES: readonly ConversionType[] = ['refund', 'chargeback'];

export function isReversal(type: ConversionType): boolean {
  return REVERSAL_TYPES.includes(type);
}

/**
 * What a reward is for: a referrer's converted `referral`; the `referred` person's own reward
 * (double-sided programs); a referrer's `milestone` bonus.
 */
export const REWARD_KINDS = ['referral', 'referred', 'milestone'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];
/** When a double-sided program rewards the referred person: at the lead, or with the referrer's claim. */
export const REFERRED_REWARD_WHEN = ['lead', 'conversion'] as const;
