import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { publicPage } from '../http/public-page.js';
import { escapeHtml } from '../shared/html.js';
import { IdSchema } from '../shared/schemas.js';
import { REFERRER_PAGE_CSS, REFERRER_PAGE_JS } from './referrer-page.assets.js';
import type { ReferrerPageView } from './referrer-page.core.js';
import { getPageLink, loadReferrerPage, rotatePageToken } from './referrer-page.service.js';

const PageLinkSchema = z.object({ pageUrl: z.string() }).meta({ id: 'ReferrerPageLink' });

function pageHtml(view: ReferrerPageView, qrSvg: string): string {
  const e = escapeHtml;
  const rewards =
    view.rewards.length === 0
      ? '<p>No rewards yet: they appear here as soon as someone you referred becomes a customer.</p>'
      : `<ul class="rewards">${view.rewards
          .map(
            (r) =>
              `<li><span>${e(r.summary)}<br><small>${e(r.date)}</small></span><span class="status">${e(r.status)}</span></li>`,
          )
          .join('')}</ul>`;
  const credit = view.credit
    ? `<h2>Your credit and codes</h2><p>${view.credit.balances.map(e).join(', ') || 'No credit'}</p>${view.credit.codes
        .map((c) => `<p><strong>${e(c.code)}</strong> ${e(c.status)}</p>`)
        .join('')}`
    : '';
  return `<h1>${e(view.heading)}</h1>
<p class="lede">Share your personal link: when someone you send becomes a customer, you are rewarded.</p>
<label for="link">Your link</label>
<div class="link"><input id="link" type="text" readonly value="${e(view.referralUrl)}"><button type="button" data-copy="link">Copy</button></div>
<div class="share"><a href="${e(view.smsHref)}">Text it</a><a href="${e(view.mailtoHref)}">Email it</a></div>
<div class="qr" role="img" aria-label="QR code of your link">${qrSvg}</div>
<p class="qr-caption">Let a friend scan it with their phone camera.</p>
<h2>Your referrals</h2>
<div class="stats"><div><strong>${view.referralsMade}</strong><span>referred</span></div><div><strong>${view.referralsSuccessful}</strong><span>became customers</span></div><div><strong>${view.rewardsEarned.map(e).join('<br>') || '0'}</strong><span>earned</span></div></div>
<h2>Your rewards</h2>
${rewards}
${credit}`;
}

export function referrerPageRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.get('/p/assets/page.css', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(REFERRER_PAGE_CSS),
    );
    app.get('/p/assets/page.js', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=3600')
        .send(REFERRER_PAGE_JS),
    );
    // The referrer's own page: the token is the only key, so it is private and never cached by others.
    app.get<{ Params: { token: string } }>(
      '/p/:token',
      { config: { public: true }, schema: { hide: true } },
      async (request, reply) => {
        reply.header('cache-control', 'private, no-store');
        const page = await loadReferrerPage(deps, request.params.token);
        if (!page) {
          return reply
            .code(404)
            .type('text/html; charset=utf-8')
            .send(
              publicPage(
                'Page not found',
                '<h1>This page is not available</h1><p>The link may have been replaced by a newer one. Ask the business for your current link.</p>',
              ),
            );
        }
        return reply.type('text/html; charset=utf-8').send(
          publicPage(`${page.businessName}: your referrals`, pageHtml(page.view, page.qrSvg), {
            stylesheets: ['/p/assets/page.css'],
            scripts: ['/p/assets/page.js'],
          }),
        );
      },
    );

    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/v1/participants/:id/page', {
      schema: {
        tags: ['Participants'],
        summary: 'The participant’s private page (their link, QR code, referrals and rewards)',
        params: z.strictObject({ id: IdSchema }),
        response: { 200: PageLinkSchema },
      },
      handler: async (request) => getPageLink(deps, requireActor(request), request.params.id),
    });
    r.post('/v1/participants/:id/rotate-page', {
      config: { permission: 'participants:write' },
      schema: {
        tags: ['Participants'],
        summary: 'Give the participant a new private page address (the old one stops working)',
        params: z.strictObject({ id: IdSchema }),
        response: { 200: PageLinkSchema },
      },
      handler: async (request) => rotatePageToken(deps, requireActor(request), request.params.id),
    });
  };
}
