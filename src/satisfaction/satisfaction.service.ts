import { recordAudit } from '../audit/index.js';
import type { Deps } from '../deps.js';
import { ratingOf, readRatingToken, recordRating, verifyRatingToken } from '../messaging/index.js';
import { type Actor, systemActor } from '../shared/actor.js';
import { getWorkspaceOrThrow } from '../workspaces/index.js';
import { funnelRows, monthsBack, satisfactionSummary } from './satisfaction.core.js';
import { funnelCounts, ratingCounts } from './satisfaction.repo.js';
import type { SatisfactionReport } from './satisfaction.schema.js';

export async function growthReport(deps: Deps, actor: Actor, query: { months: number }): Promise<SatisfactionReport> {
  const months = monthsBack(deps.clock.now(), query.months);
  const from = new Date(`${months[0]}-01T00:00:00Z`);
  const ratings = await ratingCounts(deps.db, actor.workspaceId, from);
  const funnel = await funnelCounts(deps.db, actor.workspaceId, from);
  return { satisfaction: satisfactionSummary(ratings), funnel: funnelRows(months, funnel) };
}

/** The message a rating link names, if its signature holds; with its workspace and current answer. */
export async function ratingTarget(deps: Deps, token: string) {
  const parsed = readRatingToken(token);
  if (!parsed) return undefined;
  const workspace = await getWorkspaceOrThrow(deps.db, parsed.workspaceId).catch(() => undefined);
  if (!workspace || !verifyRatingToken(workspace, token)) return undefined;
  const current = await ratingOf(deps.db, workspace.id, parsed.messageId);
  return {
    workspace,
    messageId: parsed.messageId,
    business: workspace.companyName || workspace.name,
    current: current?.score ?? null,
  };
}

export async function rateByLink(deps: Deps, target: { workspaceId: string; messageId: string }, score: number) {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const row = await recordRating(tx, { ...target, score, via: 'email_link', at });
    if (row) {
      await recordAudit(tx, systemActor(target.workspaceId, 'Rating link'), at, {
        action: 'referrer.rated',
        objectType: 'message',
        objectId: target.messageId,
        after: { score, via: 'email_link', participantId: row.participantId },
      });
    }
    return row;
  });
}
