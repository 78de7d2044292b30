import { describe, expect, it } from 'vitest';
import { funnelRows, monthsBack, satisfactionSummary } from './satisfaction.core.js';

describe('referrer satisfaction and the funnel', () => {
  it('averages the ratings, shows their distribution and the share of thank-yous answered', () => {
    expect(satisfactionSummary({ byScore: { 5: 3, 4: 1, 2: 1 }, thankYousSent: 10 })).toEqual({
      responses: 5,
      average: 4.2, // (15 + 4 + 2) / 5
      distribution: [
        { score: 1, count: 0 },
        { score: 2, count: 1 },
        { score: 3, count: 0 },
        { score: 4, count: 1 },
        { score: 5, count: 3 },
      ],
      thankYousSent: 10,
      responseRate: 0.5,
    });
    expect(satisfactionSummary({ byScore: {}, thankYousSent: 0 })).toMatchObject({ average: null, responseRate: null });
  });

  it('lists the months oldest first, across a year end', () => {
    expect(monthsBack(new Date('2026-02-10T00:00:00Z'), 4)).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });

  it('gives each stage’s rate from the one before, null when nothing came before', () => {
    const rows = funnelRows(
      ['2026-01', '2026-02'],
      new Map([['2026-02', { invitationsSent: 10, linkClicks: 4, leads: 2, conversions: 1, rewards: 1 }]]),
    );
    expect(rows[0]?.rates).toEqual({ clickRate: null, leadRate: null, conversionRate: null, rewardRate: null });
    expect(rows[1]).toMatchObject({
      invitationsSent: 10,
      rates: { clickRate: 0.4, leadRate: 0.5, conversionRate: 0.5, rewardRate: 1 },
    });
  });
});
