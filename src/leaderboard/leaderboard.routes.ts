import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { publicPage } from '../http/public-page.js';
import { escapeHtml } from '../shared/html.js';
import { LEADERBOARD_PERIODS, type LeaderboardPeriod } from './leaderboard.core.js';
import { LeaderboardQuerySchema, LeaderboardSchema, type PublicLeaderboard } from './leaderboard.schema.js';
import { getLeaderboard, publicLeaderboardReader } from './leaderboard.service.js';

const PERIOD_WORDS: Record<LeaderboardPeriod, string> = {
  month: 'This month',
  quarter: 'This quarter',
  year: 'This year',
  all: 'All time',
};

function boardHtml(board: PublicLeaderboard, slug: string): string {
  const tabs = LEADERBOARD_PERIODS.map((period) =>
    period === board.period
      ? `<strong aria-current="page">${PERIOD_WORDS[period]}</strong>`
      : `<a href="/leaderboard/${escapeHtml(slug)}?period=${period}">${PERIOD_WORDS[period]}</a>`,
  ).join(' · ');
  const rows = board.items
    .map(
      (item) =>
        `<tr><td>${item.rank}</td><td>${escapeHtml(item.name)}</td><td class="num">${item.closedReferrals}</td></tr>`,
    )
    .join('');
  return `<h1>${escapeHtml(board.workspace)}: top referrers</h1>
<nav class="tabs" aria-label="Period">${tabs}</nav>
${
  board.items.length === 0
    ? '<p>No referrals closed in this period yet.</p>'
    : `<table><caption>${PERIOD_WORDS[board.period]}, by referrals that became customers</caption><thead><tr><th scope="col">Rank</th><th scope="col">Referrer</th><th scope="col" class="num">Referrals</th></tr></thead><tbody>${rows}</tbody></table>`
}`;
}

export function leaderboardRoutes(deps: Deps) {
  const readPublic = publicLeaderboardReader(deps);
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/v1/leaderboard', {
      schema: {
        tags: ['Reports'],
        summary: 'Referrers ranked by closed referrals (converted with a live reward) in a period',
        description:
          'Periods are calendar month, quarter and year in UTC, or all time. A tie goes to whoever got there first. Rewards earned are what was paid (sent or thanked), per currency.',
        querystring: LeaderboardQuerySchema,
        response: { 200: LeaderboardSchema },
      },
      handler: async (request) => getLeaderboard(deps, requireActor(request), request.query),
    });

    // The optional public page: /leaderboard/{slug} (HTML) and /leaderboard/{slug}.json.
    app.get<{ Params: { slug: string }; Querystring: { period?: string } }>(
      '/leaderboard/:slug',
      { config: { public: true }, schema: { hide: true } },
      async (request, reply) => {
        const json = request.params.slug.endsWith('.json');
        const slug = json ? request.params.slug.slice(0, -'.json'.length) : request.params.slug;
        const period = (LEADERBOARD_PERIODS as readonly string[]).includes(request.query.period ?? '')
          ? (request.query.period as LeaderboardPeriod)
          : 'month';
        const board = await readPublic(slug, period);
        if (!board) {
          return json
            ? reply.code(404).type('application/problem+json').send({
                type: 'urn:rewardloop:problem:not_found',
                title: 'Not found',
                status: 404,
                code: 'not_found',
                detail: 'There is no public leaderboard here.',
              })
            : reply
                .code(404)
                .type('text/html; charset=utf-8')
                .send(publicPage('Not found', '<h1>There is no public leaderboard here</h1>'));
        }
        reply.header('cache-control', 'public, max-age=60');
        if (json) return reply.type('application/json; charset=utf-8').send(board);
        return reply.type('text/html; charset=utf-8').send(
          publicPage(`${board.workspace}: top referrers`, boardHtml(board, slug), {
            stylesheets: ['/p/assets/page.css'],
          }),
        );
      },
    );
  };
}
