import type { Tx } from '../db/client.js';
import type { disputes } from '../db/schema.js';
import type { Actor } from '../shared/actor.js';

export type ClaimOutcome =
  | 'reward_created'
  | 'no_referral'
  | 'not_qualifying'
  | 'below_minimum'
  | 'no_reward_policy'
  | 'already_rewarded'
  | 'duplicate_flagged'
  | 'awaiting_participant';

export interface ClaimEnv {
  actor: Actor;
  at: Date;
  publicUrl: string;
}

/**
 * Opens an attribution dispute, or answers the one already open. disputes/ does it; a claim
 * creator passes it in, since disputes depends on rewards (resolution changes the payee).
 */
export type OpenDispute = (
  tx: Tx,
  env: ClaimEnv,
  referredId: string,
  reason: string,
) => Promise<typeof disputes.$inferSelect | undefined>;

export interface ClaimCreationEnv extends ClaimEnv {
  openDispute: OpenDispute;
}
