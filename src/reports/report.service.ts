import type { Deps } from '../deps.js';
import type { Actor } from '../shared/actor.js';
import { dashboardTotals, dashboardWeeklyBins, sentDays, sentRewardsEvidence, utcDay } from './report.repo.js';
import { ACCURACY_CRITERIA } from './report.schema.js';

/** Hours from sale to sent, from the rollups' histogram (buckets in tenths of an hour). */
function medianHours(value: unknown): number | null {
  const buckets = ((value as [number, number | string][] | null) ?? []).map(
    ([tenths, count]) => [Number(tenths), Number(count)] as [number, number],
  );
  const median = histogramMedian(buckets);
  return median === null ? null : Math.round(median) / 10;
}

function money(value: unknown): { currency: string; amount: number }[] {
  return ((value as { currency: string; amount: number | string }[] | null) ?? []).map((row) => ({
    currency: row.currency,
    amount: Number(row.amount),
  }));
}

/**
 * The median of a histogram of [value, count] pairs sorted by value, as percentile_cont(0.5)
 * would give over the values themselves: the middle one, or the mean of the two middle ones.
 */
export function histogramMedian(buckets: [number, number][]): number | null {
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return null;
  const valueAt = (index: number) => {
    let seen = 0;
    for (const [value, count] of buckets) {
      seen += count;
      if (index < seen) return value;
    }
    return buckets[buckets.length - 1]?.[0] ?? 0;
  };
  const middle = (total - 1) / 2;
  return (valueAt(Math.floor(middle)) + valueAt(Math.ceil(middle))) / 2;
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
      medianHoursToSent: medianHours(totals?.hours_to_sent),
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
  const { db } = deps;
  const { workspaceId } = actor;
  // Whole UTC days come from the rollups; a bound that cuts a day reads that part of the day's
  // rows. Rewards lacking evidence (none, when the database's check holds) are read to be named.
  const nextDay = (at: string) => utcDay(new Date(new Date(`${utcDay(at)}T00:00:00Z`).getTime() + 86_400_000));
  const fromDay = from === null ? null : from.endsWith('T00:00:00.000Z') ? utcDay(from) : nextDay(from);
  const toDay = to === null ? null : utcDay(to);
  const edges: [string | null, string | null][] = [];
  let days: Awaited<ReturnType<typeof sentDays>> = [];
  if (fromDay !== null && toDay !== null && fromDay >= toDay) {
    edges.push([from, to]);
  } else {
    days = await sentDays(db, workspaceId, fromDay, toDay);
    if (from !== null && fromDay !== null && from < `${fromDay}T00:00:00.000Z`)
      edges.push([from, `${fromDay}T00:00:00.000Z`]);
    if (to !== null && toDay !== null && to > `${toDay}T00:00:00.000Z`) edges.push([`${toDay}T00:00:00.000Z`, to]);
  }
  let rewardsSent = days.reduce((sum, day) => sum + Number(day.sent), 0);
  const lacking = [];
  for (const day of days.filter((day) => Number(day.incomplete ?? 0) > 0)) {
    lacking.push(...(await sentRewardsEvidence(db, workspaceId, `${day.day}T00:00:00.000Z`, nextDay(day.day), true)));
  }
  for (const [edgeFrom, edgeTo] of edges) {
    const rows = await sentRewardsEvidence(db, workspaceId, edgeFrom, edgeTo);
    rewardsSent += rows.length;
    lacking.push(...rows.filter((row) => row.lacks.length > 0));
  }
  const incomplete = lacking
    .map((row) => ({
      rewardId: row.id,
      sentAt: new Date(row.sent_at).toISOString(),
      lacks: row.lacks as (typeof ACCURACY_CRITERIA)[number][],
    }))
    .sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  const complete = rewardsSent - incomplete.length;
  return {
    from,
    to,
    rewardsSent,
    complete,
    accuracyPercent: rewardsSent === 0 ? null : Math.round((complete / rewardsSent) * 10_000) / 100,
    criteria: [...ACCURACY_CRITERIA],
    incomplete,
  };
}
