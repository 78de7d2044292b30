import type { Deps } from '../deps.js';
import { rulesTerms, rulesVersion } from '../policy/index.js';
import { approvalBlockers, listRewardRows, loadApprovalFacts, presentRewards } from '../rewards/index.js';
import { type Actor, personOf } from '../shared/actor.js';
import { decodeCursor, toPage } from '../shared/pagination.js';

/**
 * What waits for the caller: claims in review, oldest first, each with its recommendation,
 * checks and flags, and what (if anything) stops this caller approving it now — the same
 * decision `approveReward` makes (rewards/approval.core.ts).
 */
export async function listApprovals(deps: Deps, actor: Actor, query: { limit: number; cursor?: string | undefined }) {
  const rows = await listRewardRows(
    deps.db,
    actor.workspaceId,
    { status: ['in_review'] },
    { limit: query.limit, after: decodeCursor(query.cursor), oldestFirst: true },
  );
  const page = rows.slice(0, query.limit);
  const presented = new Map(
    (await presentRewards(deps.db, actor.workspaceId, page)).map((reward) => [reward.id, reward]),
  );
  const versions = new Map<string, ReturnType<typeof rulesTerms>>();
  for (const { reward } of page) {
    const key = `${reward.programId}:${reward.rulesVersion}`;
    if (versions.has(key)) continue;
    const row = await rulesVersion(deps.db, actor.workspaceId, reward.programId, reward.rulesVersion);
    if (row) versions.set(key, rulesTerms(row));
  }
  const facts = await loadApprovalFacts(
    deps.db,
    actor.workspaceId,
    page.map((row) => row.reward),
    (claim) =>
      versions.get(`${claim.programId}:${claim.rulesVersion}`) ?? { twoApproversAbove: null, currency: claim.currency },
  );
  const now = deps.clock.now();
  return toPage(
    rows.map((row) => ({ ...row, createdAt: row.reward.createdAt, id: row.reward.id })),
    query.limit,
    (row) => {
      const reward = presented.get(row.id);
      const decision = facts.get(row.id);
      if (!reward || !decision) throw new Error('approval item vanished');
      const blockers = approvalBlockers(decision, personOf(actor), now).map((blocker) => blocker.message);
      return {
        reward,
        checks: row.reward.checks,
        fraudSignals: row.reward.checks.flatMap((check) => check.score ?? []),
        canApprove: blockers.length === 0,
        blockers,
      };
    },
  );
}
