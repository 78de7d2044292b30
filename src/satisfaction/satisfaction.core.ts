/**
 * The referrer-satisfaction and growth-funnel figures, from counts the repo reads. Pure: rates
 * are shares (0-1, null when there is nothing to divide by), the average has one decimal.
 */
export interface RatingCounts {
  /** Ratings per score 1-5. */
  byScore: Record<number, number>;
  /** Thank-yous that went out in the period (the ones that could be rated). */
  thankYousSent: number;
}

export function share(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null;
}

export function satisfactionSummary(counts: RatingCounts) {
  const distribution = [1, 2, 3, 4, 5].map((score) => ({ score, count: counts.byScore[score] ?? 0 }));
  const responses = distribution.reduce((sum, row) => sum + row.count, 0);
  const total = distribution.reduce((sum, row) => sum + row.score * row.count, 0);
  return {
    responses,
    average: responses > 0 ? Math.round((total / responses) * 10) / 10 : null,
    distribution,
    thankYousSent: counts.thankYousSent,
    responseRate: share(responses, counts.thankYousSent),
  };
}

export const FUNNEL_STAGES = ['invitationsSent', 'linkClicks', 'leads', 'conversions', 'rewards'] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];
export type FunnelCounts = Record<FunnelStage, number>;

/** The last `months` calendar months (UTC), oldest first, as YYYY-MM, ending with now's. */
export function monthsBack(now: Date, months: number): string[] {
  const out: string[] = [];
  for (let i = months - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}

/** Each month's stages and the rate from each stage to the next. */
export function funnelRows(months: string[], counts: Map<string, Partial<FunnelCounts>>) {
  return months.map((month) => {
    const row = Object.fromEntries(
      FUNNEL_STAGES.map((stage) => [stage, counts.get(month)?.[stage] ?? 0]),
    ) as FunnelCounts;
    return {
      month,
      ...row,
      rates: {
        clickRate: share(row.linkClicks, row.invitationsSent),
        leadRate: share(row.leads, row.linkClicks),
        conversionRate: share(row.conversions, row.leads),
        rewardRate: share(row.rewards, row.conversions),
      },
    };
  });
}
