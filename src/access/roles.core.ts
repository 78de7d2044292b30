/**
 * The role matrix: who may do what. Routes name a permission; a caller whose role lacks it gets
 * 403. Kept as one table so the whole policy can be read (and tested) at a glance.
 */
import type { Role } from '../shared/vocabulary.js';

export { ROLES, type Role } from '../shared/vocabulary.js';

export const PERMISSIONS = {
  read: ['owner', 'finance', 'staff', 'viewer'],
  'policy:write': ['owner'],
  'rules:write': ['owner'],
  'settings:write': ['owner'],
  'access:manage': ['owner'],
  /** Outgoing webhooks send the workspace's data to a URL of the caller's choosing. */
  'webhooks:manage': ['owner'],
  /** Exports hand over every row at once (names, emails, amounts). */
  'exports:read': ['owner', 'finance'],
  /** Payout batches and tax forms: finance's money run and its records (payees, emails, amounts). */
  'payouts:manage': ['owner', 'finance'],
  /** Imports write thousands of people, referrals and sales at once. */
  'imports:write': ['owner', 'finance'],
  /** Connecting Stripe and HubSpot: their secrets decide which events are believed. */
  'integrations:manage': ['owner'],
  'participants:write': ['owner', 'finance', 'staff'],
  'referrals:write': ['owner', 'finance', 'staff'],
  'conversions:write': ['owner', 'finance', 'staff'],
  /** Completed jobs and their scores come from the field: the staff's daily work. */
  'jobs:write': ['owner', 'finance', 'staff'],
  /** Voiding a referral reverses its reward (money): finance or the owner. */
  'referrals:void': ['owner', 'finance'],
  /** Mark sent, decline, record a failed fulfilment: the staff's daily work. */
  'rewards:fulfil': ['owner', 'finance', 'staff'],
  'rewards:note': ['owner', 'finance', 'staff'],
  /** Payouts, credits and discounts are decided by finance or the program owner. */
  'rewards:approve': ['owner', 'finance'],
  'rewards:adjust': ['owner', 'finance'],
  'flags:resolve': ['owner', 'finance'],
  'disputes:open': ['owner', 'finance', 'staff'],
  'disputes:resolve': ['owner', 'finance'],
  'exceptions:manage': ['owner', 'finance'],
  'recovery:resolve': ['owner', 'finance'],
  'messages:send': ['owner', 'finance', 'staff'],
  /** Spending a referrer's credit (the billing system applying it to an invoice) is money. */
  'credits:redeem': ['owner', 'finance'],
  /** A discount code is redeemed at checkout, where staff work. */
  'codes:redeem': ['owner', 'finance', 'staff'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/**
 * Whether `role` can do no more than `ceiling` (the roles are ordered: each can do all that the
 * ones after it can). A key that acts for a person never has a role above that person's.
 */
export function roleWithin(role: Role, ceiling: Role): boolean {
  return ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(ceiling);
}

const ROLE_ORDER: readonly Role[] = ['owner', 'finance', 'staff', 'viewer'];
