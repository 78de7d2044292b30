import type { Deps } from '../deps.js';
import type { Actor } from '../shared/actor.js';
import { dashboardTotals, dashboardWeeklyBins, sentRewardsEvidence } from './report.repo.js';
import { ACCURACY_CRITERIA } from './report.schema.js';

function money(value: unknown): { currency: string; amount: number }[] {
  return ((value as { currency: string; amount: number | string }[] | null) ?? []).map((row) => ({
    currency: row.currency,
    amount: Number(row.amount),
  }));
}

/**
 * The program's measurements over the last `weeks` weeks (Monday to Monday, UTC): totals and the
 * figures week by week.
 */
export async function dashboard(deps: Deps, actor: Actor, weeks: number) {
  const { workspaceId } = actor;
  const now = deps.clock.now();
  const weekStart = new Date(now);
  weekStart.setUTCHours(0, 0, 0, 0);
  weekStart.setUTCDate(weekStart.getUTCDate() - ((weekStart.getUTCDay() + 6) % 7) - (weeks - 1) * 7);
  const since = weekStart.toISOString();
  const totals = await dashboardTotals(deps.db, workspaceId, since);
  const binned = await dashboardWeeklyBins(deps.db, workspaceId, since);
  const weekly = Array.from({ length: weeks }, (_, index) => {
    const start = new Date(weekStart.getTime() + index * 7 * 86_400_000);
    const here = binned.filter((row) => new Date(row.week).getTime() === start.getTime());
    const count = (measure: string) =>
      here.filter((row) => row.measure === measure).reduce((sum, row) => sum + Number(row.n), 0);
    return {
      weekStart: start.toISOString(),
      created: count('created'),
      approved: count('approved'),
      sent: count('sent'),
      flagged: count('flagged'),
      rewardCost: here
        .filter((row) => row.measure === 'sent' && row.currency && row.amount !== null)
        .map((row) => ({ currency: row.currency as string, amount: Number(row.amount) })),
    };
  });
  return {
    weeks,
    since,
    totals: {
      claimsCreated: Number(totals?.claims_created ?? 0),
      approved: Number(totals?.approved ?? 0),
      flagged: Number(totals?.flagged ?? 0),
      disputed: Number(totals?.disputed ?? 0),
      duplicates: Number(totals?.duplicates ?? 0),
      exceptions: Number(totals?.exceptions ?? 0),
      sent: Number(totals?.sent ?? 0),
      reversed: Number(totals?.reversed ?? 0),
      medianHoursToSent: totals?.median_hours == null ? null : Math.round(Number(totals.median_hours) * 10) / 10,
      rewardCost: money(totals?.reward_cost),
      referredRevenue: money(totals?.referred_revenue),
      openRecoveryTasks: Number(totals?.open_recovery ?? 0),
    },
    weekly,
  };
}

/**
 * Eligibility accuracy, the audit figure: of the rewards sent in a period, the share carrying
 * every evidence criterion. The database refuses to mark a reward sent without them, so this
 * should read 100%; the report checks rather than trusts that.
 */
export async function eligibilityAccuracy(
  deps: Deps,
  actor: Actor,
  query: { from?: string | undefined; to?: string | undefined },
) {
  const from = query.from ? new Date(query.from).toISOString() : null;
  const to = query.to ? new Date(query.to).toISOString() : null;
  const rows = await sentRewardsEvidence(deps.db, actor.workspaceId, from, to);
  const incomplete = rows
    .filter((row) => row.lacks.length > 0)
    .map((row) => ({
      rewardId: row.id,
      sentAt: new Date(row.sent_at).toISOString(),
      lacks: row.lacks as (typeof ACCURACY_CRITERIA)[number][],
    }));
  const complete = rows.length - incomplete.length;
  return {
    from,
    to,
    rewardsSent: rows.length,
    complete,
    accuracyPercent: rows.length === 0 ? null : Math.round((complete / rows.length) * 10_000) / 100,
    criteria: [...ACCURACY_CRITERIA],
    incomplete,
  };
}
