/**
 * What a reward's moves set off in the features that build on rewards: a discount code on
 * approval, a gift card ordered from Tremendous, a credit issued once sent (and taken back on a
 * reversal), a reward leaving `pending` taken out of the open payout batch holding it. Installed
 * into rewards' transitionReward at composition, since those features
 * depend on rewards and rewards may not import them.
 */
import { creditEffect } from './credits/index.js';
import { discountCodeEffect } from './discount-codes/index.js';
import { fulfilmentEffect } from './fulfilment/index.js';
import { payoutBatchEffect } from './payouts/index.js';
import { installRewardEffects } from './rewards/index.js';

export function installAllRewardEffects() {
  installRewardEffects([discountCodeEffect, fulfilmentEffect, creditEffect, payoutBatchEffect]);
}
