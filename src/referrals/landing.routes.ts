import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { publicPage } from '../http/public-page.js';
import { firstName, normalizeEmail, normalizePhone } from '../participants/index.js';
import { isAppError } from '../shared/errors.js';
import { escapeHtml } from '../shared/html.js';
import { EmailSchema, NameSchema, text } from '../shared/schemas.js';
import type { Workspace } from '../workspaces/index.js';
import { recordClick, recordLead, resolveLink } from './landing.service.js';

/**
 * The page behind every referral link (`/r/{workspace}/{code}`): the visit is recorded as a
 * click (IP, device cookie, browser) — evidence for attribution and for the fraud checks — and a
 * short form turns the visitor into a lead referred through the link.
 */
const DEVICE_COOKIE = 'rl_device';

const LeadSchema = z
  .object({
    name: NameSchema,
    email: z.union([z.literal(''), EmailSchema]).optional(),
    phone: text(40).optional(),
    message: text(2000).optional(),
    clickId: text(64).optional(),
    emailConsent: z.literal('on').optional(),
    smsConsent: z.literal('on').optional(),
  })
  .refine((lead) => !!lead.email || !!lead.phone, {
    message: 'Leave an email address or a phone number.',
    path: ['email'],
  });

function form(
  workspace: Workspace,
  referrerName: string,
  clickId: string,
  error?: string,
  values: Record<string, string> = {},
) {
  const businessName = workspace.companyName || workspace.name;
  const business = escapeHtml(businessName);
  const v = (key: string) => escapeHtml(values[key] ?? '');
  // publicPage escapes the title: it gets the plain text.
  return publicPage(
    `${businessName}: referred by ${firstName(referrerName)}`,
    `<h1>${escapeHtml(firstName(referrerName))} thinks you’ll like ${business}</h1>
<p>Leave your details and we’ll be in touch. ${escapeHtml(firstName(referrerName))} will be thanked for the introduction.</p>
${error ? `<div class="error" role="alert">${escapeHtml(error)}</div>` : ''}
<form method="post">
<input type="hidden" name="clickId" value="${escapeHtml(clickId)}">
<label for="name">Your name</label><input id="name" name="name" type="text" required maxlength="200" value="${v('name')}" autocomplete="name">
<label for="email">Email</label><input id="email" name="email" type="email" maxlength="254" value="${v('email')}" autocomplete="email">
<label for="phone">Phone</label><input id="phone" name="phone" type="tel" maxlength="40" value="${v('phone')}" autocomplete="tel">
<label for="message">What can we help with? (optional)</label><textarea id="message" name="message" rows="3" maxlength="2000">${v('message')}</textarea>
<label class="check"><input type="checkbox" name="emailConsent"> Email me news and offers from ${business}</label>
<label class="check"><input type="checkbox" name="smsConsent"> Text me news and offers from ${business}</label>
<button type="submit">Send</button>
</form>`,
  );
}

function notFoundPage(reply: FastifyReply) {
  return reply
    .code(404)
    .type('text/html; charset=utf-8')
    .send(
      publicPage(
        'Link not found',
        '<h1>This referral link is not valid</h1><p>Check the link you were sent, or contact the business directly.</p>',
      ),
    );
}

export function landingRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    // Forms post url-encoded bodies; only these pages accept them (the API stays JSON-only).
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );

    app.get<{ Params: { slug: string; code: string } }>(
      '/r/:slug/:code',
      { schema: { hide: true } },
      async (request, reply) => {
        const link = await resolveLink(deps, request.params.slug, request.params.code);
        if (!link) return notFoundPage(reply);
        let deviceId = request.cookies[DEVICE_COOKIE];
        if (!deviceId || !/^[a-f0-9]{32}$/.test(deviceId)) {
          deviceId = randomBytes(16).toString('hex');
          reply.setCookie(DEVICE_COOKIE, deviceId, {
            path: '/r',
            httpOnly: true,
            sameSite: 'lax',
            maxAge: 365 * 86_400,
          });
        }
        const clickId = await recordClick(deps, link, {
          ip: request.ip,
          deviceId,
          userAgent: (request.headers['user-agent'] ?? '').slice(0, 500) || null,
        });
        return reply.type('text/html; charset=utf-8').send(form(link.workspace, link.referrer.name, clickId));
      },
    );

    app.post<{ Params: { slug: string; code: string }; Body: unknown }>(
      '/r/:slug/:code',
      { schema: { hide: true } },
      async (request, reply) => {
        const link = await resolveLink(deps, request.params.slug, request.params.code);
        if (!link) return notFoundPage(reply);
        // The form posts strings; anything else (a JSON body, nested values) is read as text.
        const body = Object.fromEntries(
          Object.entries((request.body ?? {}) as Record<string, unknown>).map(([key, value]) => [
            key,
            typeof value === 'string' ? value : '',
          ]),
        );
        const parsed = LeadSchema.safeParse(body);
        const clickId = typeof body.clickId === 'string' ? body.clickId : '';
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return reply
            .code(400)
            .type('text/html; charset=utf-8')
            .send(
              form(
                link.workspace,
                link.referrer.name,
                clickId,
                `${issue?.path.join('.') || 'form'}: ${issue?.message}`,
                body,
              ),
            );
        }
        const lead = parsed.data;
        const phone = lead.phone ? normalizePhone(lead.phone, link.workspace.defaultCountry) : undefined;
        const leadPhone = phone?.ok ? phone.e164 : undefined;
        if (
          (lead.email && link.referrer.emailNormalized === normalizeEmail(lead.email)) ||
          (leadPhone && link.referrer.phone === leadPhone)
        ) {
          return reply
            .code(400)
            .type('text/html; charset=utf-8')
            .send(
              form(
                link.workspace,
                link.referrer.name,
                clickId,
                'This is your own referral link: share it with someone else.',
                body,
              ),
            );
        }
        try {
          await recordLead(deps, link, lead, leadPhone);
        } catch (error) {
          if (isAppError(error) && error.status < 500) {
            return reply
              .code(400)
              .type('text/html; charset=utf-8')
              .send(form(link.workspace, link.referrer.name, clickId, error.message, body));
          }
          throw error;
        }
        const business = escapeHtml(link.workspace.companyName || link.workspace.name);
        return reply
          .type('text/html; charset=utf-8')
          .send(
            publicPage(
              'Thank you',
              `<h1>Thank you, ${escapeHtml(firstName(lead.name))}!</h1><p>${business} will be in touch soon.</p>`,
            ),
          );
      },
    );
  };
}
