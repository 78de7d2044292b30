import { recordAudit } from '../audit/index.js';
import { programRules, rewardPolicies } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { type Actor, personOf } from '../shared/actor.js';
import { describePolicy, type PolicyTerms } from './policy.core.js';
import { currentPolicy, currentRules, getDefaultProgram, type PolicyRow, type RulesRow } from './policy.repo.js';
import type { ProgramRules, ProgramRulesInput, RewardPolicy, RewardPolicyInput } from './policy.schema.js';
import type { ProgramRulesTerms } from './rules.core.js';

export function policyTerms(row: PolicyRow): PolicyTerms {
  return {
    version: row.version,
    rewardType: row.rewardType,
    amount: row.amount,
    currency: row.currency,
    commissionRateBps: row.commissionRateBps,
    discountPercent: row.discountPercent,
    description: row.description,
    provider: row.provider,
    tiers: row.tiers,
    referredReward: row.referredReward ?? null,
    milestones: row.milestones ?? [],
  };
}

export function rulesTerms(row: RulesRow): ProgramRulesTerms {
  return {
    version: row.version,
    qualifyingTypes: row.qualifyingTypes,
    currency: row.currency,
    minAmount: row.minAmount,
    holdDays: row.holdDays,
    allowedReferrerKinds: row.allowedReferrerKinds,
    capPerMonth: row.capPerMonth,
    capLifetime: row.capLifetime,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    termsText: row.termsText,
    termsVersion: row.termsVersion,
    autoApproveEnabled: row.autoApproveEnabled,
    autoApproveMaxAmount: row.autoApproveMaxAmount,
    autoApproveEnabledBy: row.autoApproveEnabledBy,
    twoApproversAbove: row.twoApproversAbove,
    velocityWindowHours: row.velocityWindowHours,
    velocityMaxReferrals: row.velocityMaxReferrals,
    velocityMaxConversions: row.velocityMaxConversions,
    inviteMinScore: row.inviteMinScore,
    inviteChannel: row.inviteChannel,
    inviteCooldownDays: row.inviteCooldownDays,
    inviteDelayHours: row.inviteDelayHours,
    payoutDayOfMonth: row.payoutDayOfMonth,
    taxThresholdAmount: row.taxThresholdAmount,
    taxThresholdCurrency: row.taxThresholdCurrency,
    taxableRewardTypes: row.taxableRewardTypes,
  };
}

export function presentPolicy(row: PolicyRow): RewardPolicy {
  return {
    programId: row.programId,
    version: row.version,
    rewardType: row.rewardType,
    amount: row.amount,
    currency: row.currency,
    commissionRateBps: row.commissionRateBps,
    discountPercent: row.discountPercent,
    description: row.description,
    provider: row.provider,
    autoThank: row.autoThank,
    thankChannel: row.thankChannel,
    tiers: row.tiers,
    autoFulfil: row.autoFulfil,
    codeSource: row.codeSource as RewardPolicy['codeSource'],
    codePrefix: row.codePrefix,
    codeValidDays: row.codeValidDays,
    referredReward: row.referredReward ?? null,
    milestones: row.milestones ?? [],
    summary: describePolicy(policyTerms(row)),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

export function presentRules(row: RulesRow): ProgramRules {
  return {
    programId: row.programId,
    version: row.version,
    qualifyingTypes: row.qualifyingTypes,
    currency: row.currency,
    minAmount: row.minAmount,
    holdDays: row.holdDays,
    allowedReferrerKinds: row.allowedReferrerKinds,
    capPerMonth: row.capPerMonth,
    capLifetime: row.capLifetime,
    startsAt: row.startsAt?.toISOString() ?? null,
    endsAt: row.endsAt?.toISOString() ?? null,
    termsText: row.termsText,
    termsVersion: row.termsVersion,
    autoApproval: {
      enabled: row.autoApproveEnabled,
      maxAmount: row.autoApproveMaxAmount,
      enabledBy: row.autoApproveEnabledBy,
    },
    twoApproversAbove: row.twoApproversAbove,
    velocity: {
      windowHours: row.velocityWindowHours,
      maxReferrals: row.velocityMaxReferrals,
      maxConversions: row.velocityMaxConversions,
    },
    inviteMinScore: row.inviteMinScore,
    inviteChannel: row.inviteChannel,
    inviteCooldownDays: row.inviteCooldownDays,
    inviteDelayHours: row.inviteDelayHours,
    payoutDayOfMonth: row.payoutDayOfMonth,
    taxThreshold: { amount: row.taxThresholdAmount, currency: row.taxThresholdCurrency },
    taxableRewardTypes: row.taxableRewardTypes,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

export async function getPolicy(deps: Deps, actor: Actor) {
  const program = await getDefaultProgram(deps.db, actor.workspaceId);
  return presentPolicy(await currentPolicy(deps.db, actor.workspaceId, program.id));
}

export async function getRules(deps: Deps, actor: Actor) {
  const program = await getDefaultProgram(deps.db, actor.workspaceId);
  return presentRules(await currentRules(deps.db, actor.workspaceId, program.id));
}

const POLICY_FIELDS = [
  'rewardType',
  'amount',
  'currency',
  'commissionRateBps',
  'discountPercent',
  'description',
  'provider',
  'autoThank',
  'thankChannel',
  'tiers',
  'autoFulfil',
  'codeSource',
  'codePrefix',
  'codeValidDays',
  'referredReward',
  'milestones',
] as const;

/** JSON with every object's keys in order: a jsonb column gives its keys back in its own order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Saving the policy creates a new version (unless nothing changed); claims keep theirs. */
export async function updatePolicy(deps: Deps, actor: Actor, input: RewardPolicyInput) {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    // The program row lock orders concurrent saves: each gets its own version number.
    const program = await getDefaultProgram(tx, actor.workspaceId, true);
    const previous = await currentPolicy(tx, actor.workspaceId, program.id);
    const next = {
      rewardType: input.rewardType,
      amount: input.amount,
      currency: input.currency,
      commissionRateBps: input.commissionRateBps ?? null,
      discountPercent: input.discountPercent ?? null,
      description: input.description ?? null,
      provider: input.provider ?? null,
      autoThank: input.autoThank,
      thankChannel: input.thankChannel,
      tiers: input.tiers,
      autoFulfil: input.autoFulfil,
      codeSource: input.codeSource,
      codePrefix: input.codePrefix ?? null,
      codeValidDays: input.codeValidDays ?? null,
      referredReward: input.referredReward
        ? {
            rewardType: input.referredReward.rewardType,
            amount: input.referredReward.amount,
            when: input.referredReward.when,
            description: input.referredReward.description ?? null,
          }
        : null,
      milestones: input.milestones.map((m) => ({
        atReferral: m.atReferral,
        amount: m.amount,
        ...(m.rewardType ? { rewardType: m.rewardType } : {}),
        description: m.description ?? null,
      })),
    };
    const before = Object.fromEntries(POLICY_FIELDS.map((field) => [field, previous[field]]));
    if (canonical(before) === canonical(next)) return presentPolicy(previous);
    const [row] = await tx
      .insert(rewardPolicies)
      .values({
        workspaceId: actor.workspaceId,
        programId: program.id,
        version: previous.version + 1,
        ...next,
        createdBy: actor.name,
        createdAt: at,
      })
      .returning();
    if (!row) throw new Error('policy insert returned nothing');
    await recordAudit(tx, actor, at, {
      action: 'reward_policy.updated',
      objectType: 'reward_policy',
      objectId: `${program.id}/v${row.version}`,
      before: { version: previous.version, ...before },
      after: { version: row.version, ...next },
    });
    return presentPolicy(row);
  });
}

export async function updateRules(deps: Deps, actor: Actor, input: ProgramRulesInput) {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const program = await getDefaultProgram(tx, actor.workspaceId, true);
    const previous = await currentRules(tx, actor.workspaceId, program.id);
    const enabled = input.autoApproval.enabled;
    const maxAmount = enabled ? input.autoApproval.maxAmount : null;
    // Whoever publishes rules with auto-approval on signs every claim it approves under them:
    // the terms it approves under (limits, two-approver threshold) are that person's, so a
    // second owner widening them cannot approve in the first owner's name.
    const enabledBy = enabled ? personOf(actor) : null;
    const next = {
      qualifyingTypes: input.qualifyingTypes,
      currency: input.currency,
      minAmount: input.minAmount,
      holdDays: input.holdDays,
      allowedReferrerKinds: input.allowedReferrerKinds,
      capPerMonth: input.capPerMonth,
      capLifetime: input.capLifetime,
      startsAt: input.startsAt ? new Date(input.startsAt) : null,
      endsAt: input.endsAt ? new Date(input.endsAt) : null,
      termsText: input.termsText,
      termsVersion: input.termsVersion,
      autoApproveEnabled: enabled,
      autoApproveMaxAmount: maxAmount,
      autoApproveEnabledBy: enabledBy,
      twoApproversAbove: input.twoApproversAbove,
      velocityWindowHours: input.velocity.windowHours,
      velocityMaxReferrals: input.velocity.maxReferrals,
      velocityMaxConversions: input.velocity.maxConversions,
      inviteMinScore: input.inviteMinScore,
      inviteChannel: input.inviteChannel,
      inviteCooldownDays: input.inviteCooldownDays,
      inviteDelayHours: input.inviteDelayHours,
      payoutDayOfMonth: input.payoutDayOfMonth,
      taxThresholdAmount: input.taxThreshold.amount,
      taxThresholdCurrency: input.taxThreshold.currency,
      taxableRewardTypes: input.taxableRewardTypes,
    };
    const [row] = await tx
      .insert(programRules)
      .values({
        workspaceId: actor.workspaceId,
        programId: program.id,
        version: previous.version + 1,
        ...next,
        createdBy: actor.name,
        createdAt: at,
      })
      .returning();
    if (!row) throw new Error('rules insert returned nothing');
    await recordAudit(tx, actor, at, {
      action: 'program_rules.updated',
      objectType: 'program_rules',
      objectId: `${program.id}/v${row.version}`,
      before: presentRules(previous),
      after: presentRules(row),
    });
    return presentRules(row);
  });
}
