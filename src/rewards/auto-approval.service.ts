/**
 * Auto-approval (the owner's opt-in as the approval record, decided in approval.core.ts) and the
 * "ready to send" notice every approval queues.
 */
import { eq } from 'drizzle-orm';
import { isPersonActive } from '../access/index.js';
import type { Tx } from '../db/client.js';
import { rewardApprovals, workspaces } from '../db/schema.js';
import { queueRewardReady } from '../messaging/index.js';
import { findParticipant } from '../participants/index.js';
import { currentRules, type ProgramRulesTerms, rulesTerms } from '../policy/index.js';
import { systemActor } from '../shared/actor.js';
import { formatMoney } from '../shared/currency.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { autoApprovalDecision, autoApprovalPrecheck } from './approval.core.js';
import type { ClaimEnv } from './claim.types.js';
import { attributionTiming } from './claim-context.repo.js';
import { findReward, flagsFor, loadApprovalFacts, type RewardInsert, type RewardRow } from './reward.repo.js';
import { transitionReward } from './transition.service.js';

async function workspaceRow(tx: Tx, workspaceId: string) {
  const [row] = await tx.select().from(workspaces).where(eq(workspaces.id, workspaceId));
  if (!row) throw new AppError('not_found', 'Workspace not found.');
  return row;
}

/**
 * Auto-approval, when the owner turned it on and `approval.core.ts` agrees: the owner's opt-in
 * under that rules version is the claim's approval record.
 */
export async function tryAutoApprove(tx: Tx, env: ClaimEnv, reward: RewardRow, rules: ProgramRulesTerms) {
  // Most claims are refused on what the row already says: only load more for the rest.
  if (autoApprovalPrecheck(reward, rules, env.at) || !rules.autoApproveEnabledBy || rules.autoApproveMaxAmount === null)
    return false;
  const facts = (await loadApprovalFacts(tx, reward.workspaceId, [reward], () => rules)).get(reward.id);
  if (!facts) return false;
  const flagsEver = (await flagsFor(tx, reward.workspaceId, [reward.id])).length;
  const inForce = rulesTerms(await currentRules(tx, reward.workspaceId, reward.programId));
  const signerActive = await isPersonActive(tx, reward.workspaceId, rules.autoApproveEnabledBy);
  const timing = await attributionTiming(tx, reward);
  const decision = autoApprovalDecision(
    {
      ...facts,
      rules,
      currentRules: inForce,
      signerActive,
      flagsEver,
      attributedAfterSale: timing.attributedAfterSale,
    },
    env.at,
  );
  if (!decision.approve) return false;
  const system = systemActor(reward.workspaceId, `Auto-approval (rules v${rules.version})`);
  const record = {
    kind: 'auto' as const,
    approvers: [{ id: decision.approverId, name: system.name, role: 'owner', at: env.at.toISOString() }],
    rulesVersion: rules.version,
    enabledBy: decision.approverId,
  };
  await tx.insert(rewardApprovals).values({
    workspaceId: reward.workspaceId,
    id: newId('approval', env.at.getTime()),
    rewardId: reward.id,
    approverId: decision.approverId,
    approverName: system.name,
    approverRole: 'owner',
    kind: 'auto',
    rulesVersion: rules.version,
    round: reward.reviewRound,
    note: `Clean claim of ${formatMoney(reward.amount, reward.currency)}, at or under the auto-approval limit of ${formatMoney(rules.autoApproveMaxAmount, rules.currency)}.`,
    createdAt: env.at,
  });
  const row = await transitionReward(
    tx,
    { ...env, actor: { ...system, requestId: env.actor.requestId } },
    reward,
    'approve',
    {
      changes: { approvedAt: env.at, approvalRecord: record },
      audit: { approval: record },
    },
  );
  await notifyRewardReady(tx, env, row);
  return true;
}

/**
 * Auto-approval for the claims a batch just made: the claim-only part of the decision is asked
 * of the values written, and only the claims that pass it are read back and tried.
 */
export async function autoApproveNewClaims(
  tx: Tx,
  claims: { env: ClaimEnv; row: RewardInsert; flags: number }[],
  rules: ProgramRulesTerms,
): Promise<string[]> {
  const approved: string[] = [];
  for (const { env, row, flags } of claims) {
    if (flags > 0 || !rules.autoApproveEnabledBy || rules.autoApproveMaxAmount === null) continue;
    const candidate = {
      status: row.status ?? 'in_review',
      recommendation: row.recommendation,
      reviewRound: row.reviewRound ?? 1,
      currency: row.currency,
      amount: row.amount,
      holdUntil: row.holdUntil,
    };
    if (autoApprovalPrecheck(candidate as Parameters<typeof autoApprovalPrecheck>[0], rules, env.at)) continue;
    const reward = await findReward(tx, row.workspaceId, row.id);
    if (reward && (await tryAutoApprove(tx, env, reward, rules))) approved.push(reward.id);
  }
  return approved;
}

export async function notifyRewardReady(tx: Tx, env: ClaimEnv, reward: RewardRow) {
  const workspace = await workspaceRow(tx, reward.workspaceId);
  // Whoever fulfils it by hand sends it to the payee: a referred person's own reward is theirs.
  const payee = await findParticipant(tx, reward.workspaceId, reward.payeeId);
  if (!payee) return;
  await queueRewardReady(tx, {
    workspace,
    rewardId: reward.id,
    rewardSummary: reward.summary,
    referrer: payee,
    publicUrl: env.publicUrl,
    actor: env.actor,
    at: env.at,
  });
}
