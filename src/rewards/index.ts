/**
 * Rewards: the claim engine, the lifecycle, approval decisions and fulfilment.
 * The feature's front door: other features import only from here.
 */
export { approvalBlockers, type MakerReason } from './approval.core.js';
export { autoApproveNewClaims, tryAutoApprove } from './auto-approval.service.js';
export {
  claimCreatedAudit,
  claimRow,
  newClaimMakers,
} from './claim.core.js';
export { type ClaimEnv, createClaimForConversion, createLeadReward, rewardsTheLead } from './claim.service.js';
export {
  clickCounts,
  insertNewClaims,
  loadCustomersFacts,
  loadOpenClaims,
  loadReferrersFacts,
  type NewClaim,
  type OpenClaimFacts,
  referralsOfCustomers,
  writeRechecks,
} from './claim-batch.repo.js';
export { latestDispute, loadProgramTerms, referralsOfCustomer } from './claim-context.repo.js';
export { canRevise, isOpen, isPaid } from './lifecycle.core.js';
export { changePayee, PAYEE_DETAILS, reviewClaimsAfterPayeeEdit } from './payee.service.js';
export { recheckReward } from './recheck.service.js';
export { recoveryRoutes } from './recovery.routes.js';
export { applyReversals, createRecoveryTask, reverseReward } from './refund.service.js';
export { presentNewClaims, presentRewards, presentRewardsByIds } from './reward.presenter.js';
export {
  findLiveRewardForReferred,
  findReward,
  listRewardRows,
  loadApprovalFacts,
  lockReward,
  type RewardRow,
  statusIn,
  statusList,
} from './reward.repo.js';
export { rewardRoutes } from './reward.routes.js';
export { CheckResultSchema, RewardSchema } from './reward.schema.js';
export { assertMayClearFlags, failLockedReward, sendLockedReward } from './reward.service.js';
export { rebuildRewardRollups, workspacesWithRewards } from './rollup.repo.js';
export { thankOnDelivery } from './thank-you.service.js';
export {
  installRewardEffects,
  type RewardEffect,
  type RewardMove,
  transitionReward,
} from './transition.service.js';
