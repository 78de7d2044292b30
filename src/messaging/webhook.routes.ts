import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { sendProblem } from '../http/problem.js';
import { publicPage } from '../http/public-page.js';
import { AppError } from '../shared/errors.js';
import { escapeHtml } from '../shared/html.js';
import { smsKeyword } from './consent.core.js';
import { ratingReply } from './rating.core.js';
import {
  applyResendEvent,
  applySmsKeyword,
  applySmsRating,
  applyTwilioStatus,
  unsubscribe,
  unsubscribeTarget,
} from './webhook.service.js';
import { secretList, verifySvix, verifyTwilio } from './webhook-signatures.core.js';

/**
 * Inbound traffic from the providers, each request verified by the provider's signature over
 * the raw body: Twilio inbound texts (opt-out keywords) and delivery reports, Resend's email
 * events, and the unsubscribe links in our emails.
 */
export interface WebhookSecrets {
  twilioAuthTokens: string | undefined;
  resendWebhookSecrets: string | undefined;
}

export function webhookRoutes(deps: Deps, secrets: WebhookSecrets) {
  return async (app: FastifyInstance) => {
    // Signatures are over the exact bytes received, so these routes keep the raw body.
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_r, body, done) => {
        done(null, { raw: body as string, fields: Object.fromEntries(new URLSearchParams(body as string)) });
      },
    );
    // Mail clients' one-click unsubscribe may post multipart; the body carries nothing we need.
    app.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_r, _body, done) =>
      done(null, {}),
    );
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_r, body, done) => {
      try {
        done(null, { raw: body as string, json: JSON.parse(body as string) });
      } catch {
        done(new AppError('malformed_json', 'The body is not valid JSON.', { field: 'body' }));
      }
    });

    const twilioTokens = secretList(secrets.twilioAuthTokens);
    const resendSecrets = secretList(secrets.resendWebhookSecrets);

    function twilioFields(request: FastifyRequest, reply: FastifyReply): Record<string, string> | undefined {
      const body = request.body as { fields?: Record<string, string> } | undefined;
      if (twilioTokens.length === 0) {
        sendProblem(request, reply, new AppError('unavailable', 'Twilio is not configured (TWILIO_AUTH_TOKEN).'));
        return undefined;
      }
      const fields = body?.fields ?? {};
      const url = `${deps.publicUrl}${request.url}`;
      if (!verifyTwilio(twilioTokens, request.headers['x-twilio-signature'] as string | undefined, url, fields)) {
        sendProblem(
          request,
          reply,
          new AppError('forbidden', 'The X-Twilio-Signature does not match this request.', {
            field: 'x-twilio-signature',
          }),
        );
        return undefined;
      }
      return fields;
    }

    app.post('/webhooks/twilio/sms', { schema: { hide: true } }, async (request, reply) => {
      const fields = twilioFields(request, reply);
      if (!fields) return reply;
      const keyword = smsKeyword(fields.Body ?? '');
      const from = fields.From ?? '';
      // An opt-out keyword wins over anything else the text might say.
      const score = keyword ? null : ratingReply(fields.Body ?? '');
      if (keyword && from) {
        await applySmsKeyword(deps, {
          from,
          consent: keyword === 'opt_in',
          body: fields.Body ?? '',
          messageSid: fields.MessageSid,
        });
      } else if (score !== null && from) {
        await applySmsRating(deps, { from, score, messageSid: fields.MessageSid });
      }
      // Twilio answers STOP/START itself (Advanced Opt-Out); we reply with nothing.
      return reply.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    });

    app.post('/webhooks/twilio/status', { schema: { hide: true } }, async (request, reply) => {
      const fields = twilioFields(request, reply);
      if (!fields) return reply;
      const sid = fields.MessageSid ?? fields.SmsSid ?? '';
      const status = fields.MessageStatus ?? fields.SmsStatus ?? '';
      await applyTwilioStatus(deps, { sid, status, errorCode: fields.ErrorCode });
      return reply.code(204).send();
    });

    app.post('/webhooks/resend', { schema: { hide: true } }, async (request, reply) => {
      if (resendSecrets.length === 0) {
        return sendProblem(
          request,
          reply,
          new AppError('unavailable', 'Resend webhooks are not configured (RESEND_WEBHOOK_SECRET).'),
        );
      }
      const body = request.body as { raw?: string; json?: { type?: string; data?: { email_id?: string } } } | undefined;
      const header = (name: string) => request.headers[name] as string | undefined;
      const verdict = verifySvix(
        resendSecrets,
        {
          id: header('svix-id') ?? header('webhook-id'),
          timestamp: header('svix-timestamp') ?? header('webhook-timestamp'),
          signature: header('svix-signature') ?? header('webhook-signature'),
        },
        body?.raw ?? '',
        deps.clock.now(),
      );
      if (verdict !== 'ok') {
        const detail = {
          missing_headers: 'The svix-id, svix-timestamp and svix-signature headers are required.',
          stale: 'The webhook timestamp is more than 5 minutes away from now.',
          bad_signature: 'The webhook signature does not match.',
        }[verdict];
        return sendProblem(request, reply, new AppError('forbidden', detail, { field: 'svix-signature' }));
      }
      const deliveryId = header('svix-id') ?? header('webhook-id') ?? '';
      const applied = await applyResendEvent(deps, { deliveryId, event: body?.json });
      // A replay is answered as a success (the sender must stop retrying) and changes nothing.
      if (!applied) return reply.code(200).send({ duplicate: true, deliveryId });
      return reply.code(204).send();
    });

    app.get<{ Params: { token: string } }>('/u/:token', { schema: { hide: true } }, async (request, reply) => {
      const target = await unsubscribeTarget(deps, request.params.token);
      reply.type('text/html; charset=utf-8');
      if (!target)
        return reply.code(404).send(publicPage('Link not valid', '<h1>This unsubscribe link is not valid</h1>'));
      const business = escapeHtml(target.workspace.companyName || target.workspace.name);
      return reply.send(
        publicPage(
          'Unsubscribe',
          `<h1>Stop emails from ${business}?</h1><p>${escapeHtml(target.person.email ?? '')} will get no more marketing emails from ${business}.</p><form method="post"><button type="submit">Unsubscribe</button></form>`,
        ),
      );
    });

    // A browser's button and a mail client's one-click unsubscribe (RFC 8058) both land here.
    app.post<{ Params: { token: string } }>('/u/:token', { schema: { hide: true } }, async (request, reply) => {
      const target = await unsubscribeTarget(deps, request.params.token);
      reply.type('text/html; charset=utf-8');
      if (!target)
        return reply.code(404).send(publicPage('Link not valid', '<h1>This unsubscribe link is not valid</h1>'));
      await unsubscribe(deps, target);
      const business = escapeHtml(target.workspace.companyName || target.workspace.name);
      return reply.send(
        publicPage(
          'Unsubscribed',
          `<h1>You’re unsubscribed</h1><p>You will get no more marketing emails from ${business}.</p>`,
        ),
      );
    });
  };
}
