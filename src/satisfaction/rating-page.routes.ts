import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Deps } from '../deps.js';
import { publicPage } from '../http/public-page.js';
import { parseScore, RATING_SCORES } from '../messaging/index.js';
import { escapeHtml } from '../shared/html.js';
import { rateByLink, ratingTarget } from './satisfaction.service.js';

/**
 * The one-click rating in a thank-you email: `GET /rate/{token}?score=4` only shows the choice
 * (so a mail scanner or link prefetcher that follows every link records nothing); the button
 * posts it. The token names the message, signed with the workspace's secret; a second answer
 * replaces the first.
 */
const WORDS: Record<number, string> = { 1: 'Poor', 2: 'Fair', 3: 'Good', 4: 'Very good', 5: 'Excellent' };

function notFound(reply: FastifyReply) {
  return reply
    .code(404)
    .type('text/html; charset=utf-8')
    .send(publicPage('Link not valid', '<h1>This link is not valid</h1><p>Check the link in your email.</p>'));
}

function choicePage(token: string, business: string, chosen: number | null, current: number | null) {
  const e = escapeHtml;
  const buttons = RATING_SCORES.map(
    (score) =>
      `<button type="submit" name="score" value="${score}"${score === chosen ? ' class="chosen" aria-pressed="true"' : ''}>${score} · ${WORDS[score]}</button>`,
  ).join('');
  return publicPage(
    `Rate ${business}`,
    `<h1>How was referring with ${e(business)}?</h1>
<p>${chosen ? `You picked ${chosen} (${WORDS[chosen]}). Tap it to confirm, or pick another.` : 'Pick a score from 1 (poor) to 5 (excellent).'}${current ? ` Your current answer is ${current}.` : ''}</p>
<form method="post" action="/rate/${e(token)}" class="rating">${buttons}</form>`,
    { stylesheets: ['/p/assets/page.css'] },
  );
}

export function ratingPageRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    app.get<{ Params: { token: string }; Querystring: { score?: string } }>(
      '/rate/:token',
      { config: { public: true }, schema: { hide: true } },
      async (request, reply) => {
        const target = await ratingTarget(deps, request.params.token);
        if (!target) return notFound(reply);
        reply.header('cache-control', 'private, no-store');
        return reply
          .type('text/html; charset=utf-8')
          .send(choicePage(request.params.token, target.business, parseScore(request.query.score), target.current));
      },
    );

    app.post<{ Params: { token: string }; Body: Record<string, unknown> }>(
      '/rate/:token',
      { config: { public: true }, schema: { hide: true } },
      async (request, reply) => {
        const target = await ratingTarget(deps, request.params.token);
        if (!target) return notFound(reply);
        const business = target.business;
        const score = parseScore(request.body?.score);
        if (score === null) {
          return reply
            .code(400)
            .type('text/html; charset=utf-8')
            .send(choicePage(request.params.token, business, null, target.current));
        }
        const recorded = await rateByLink(
          deps,
          { workspaceId: target.workspace.id, messageId: target.messageId },
          score,
        );
        if (!recorded) return notFound(reply);
        return reply
          .type('text/html; charset=utf-8')
          .send(
            publicPage(
              'Thank you',
              `<h1>Thank you!</h1><p>You rated ${escapeHtml(business)} ${score} of 5. Changed your mind? Use the link in the email again.</p>`,
            ),
          );
      },
    );
  };
}
