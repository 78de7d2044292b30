import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordAudit } from '../audit/audit.repo.js';
import type { Executor } from '../db/client.js';
import { auditEvents, messages, participants, webhookReceipts, workspaces } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { sendProblem } from '../http/problem.js';
import { publicPage } from '../http/public-page.js';
import { systemActor } from '../shared/actor.js';
import { AppError } from '../shared/errors.js';
import { escapeHtml } from '../shared/html.js';
import { smsKeyword } from './consent.core.js';
import { readUnsubscribeToken, verifyUnsubscribeToken } from './outbox.service.js';
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

const TWILIO_DELIVERED = new Set(['delivered']);
const WEBHOOK_RECEIPT_TTL_MS = 86_400_000;
const TWILIO_FAILED = new Set(['undelivered', 'failed']);

/** Whether the participant's SMS consent was last taken away by a STOP text (not by staff or never given). */
async function lastSmsConsentChangeWasStop(tx: Executor, workspaceId: string, participantId: string): Promise<boolean> {
  const events = await tx
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.workspaceId, workspaceId),
        eq(auditEvents.objectType, 'participant'),
        eq(auditEvents.objectId, participantId),
        inArray(auditEvents.action, [
          'participant.sms_consent_revoked',
          'participant.sms_consent_given',
          'participant.updated',
          'participant.created',
        ]),
      ),
    )
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(50);
  const last = events.find(
    (event) => event.action !== 'participant.updated' || (event.after && 'smsMarketingConsent' in event.after),
  );
  return last?.action === 'participant.sms_consent_revoked' && last.actorName === 'Inbound SMS';
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
      if (keyword && from) {
        const consent = keyword === 'opt_in';
        const at = deps.clock.now();
        await deps.db.transaction(async (tx) => {
          // The number is the person, in every workspace that texts from this account.
          const people = await tx.select().from(participants).where(eq(participants.phone, from));
          for (const person of people) {
            if (person.smsMarketingConsent === consent) continue;
            // START undoes a STOP; it never gives consent that was not given before.
            if (consent && !(await lastSmsConsentChangeWasStop(tx, person.workspaceId, person.id))) continue;
            await tx
              .update(participants)
              .set({ smsMarketingConsent: consent, updatedAt: at })
              .where(and(eq(participants.workspaceId, person.workspaceId), eq(participants.id, person.id)));
            await recordAudit(tx, systemActor(person.workspaceId, 'Inbound SMS'), at, {
              action: consent ? 'participant.sms_consent_given' : 'participant.sms_consent_revoked',
              objectType: 'participant',
              objectId: person.id,
              before: { smsMarketingConsent: !consent },
              after: {
                smsMarketingConsent: consent,
                keyword: (fields.Body ?? '').trim().toUpperCase(),
                messageSid: fields.MessageSid ?? null,
              },
            });
          }
        });
      }
      // Twilio answers STOP/START itself (Advanced Opt-Out); we reply with nothing.
      return reply.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    });

    app.post('/webhooks/twilio/status', { schema: { hide: true } }, async (request, reply) => {
      const fields = twilioFields(request, reply);
      if (!fields) return reply;
      const sid = fields.MessageSid ?? fields.SmsSid ?? '';
      const status = fields.MessageStatus ?? fields.SmsStatus ?? '';
      const at = deps.clock.now();
      await deps.db.transaction(async (tx) => {
        const [message] = await tx
          .select()
          .from(messages)
          .where(and(eq(messages.providerMessageId, sid), eq(messages.provider, 'twilio')));
        if (!message) return;
        if (TWILIO_DELIVERED.has(status) && message.status === 'sent') {
          await tx
            .update(messages)
            .set({ status: 'delivered', deliveredAt: at })
            .where(and(eq(messages.workspaceId, message.workspaceId), eq(messages.id, message.id)));
        } else if (TWILIO_FAILED.has(status) && (message.status === 'sent' || message.status === 'delivered')) {
          await tx
            .update(messages)
            .set({
              status: 'failed',
              failedAt: at,
              lastError: `Twilio reports ${status}${fields.ErrorCode ? ` (error ${fields.ErrorCode})` : ''}`,
            })
            .where(and(eq(messages.workspaceId, message.workspaceId), eq(messages.id, message.id)));
          if (fields.ErrorCode === '21610' && message.participantId) {
            await tx
              .update(participants)
              .set({ smsMarketingConsent: false, updatedAt: at })
              .where(
                and(eq(participants.workspaceId, message.workspaceId), eq(participants.id, message.participantId)),
              );
          }
        } else {
          return;
        }
        await recordAudit(tx, systemActor(message.workspaceId, 'Twilio'), at, {
          action: `message.${TWILIO_DELIVERED.has(status) ? 'delivered' : 'failed'}`,
          objectType: 'message',
          objectId: message.id,
          after: { status, errorCode: fields.ErrorCode ?? null },
        });
      });
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
      const event = body?.json;
      const emailId = event?.data?.email_id;
      const at = deps.clock.now();
      const deliveryId = header('svix-id') ?? header('webhook-id') ?? '';
      const applied = await deps.db.transaction(async (tx) => {
        // A signed request can be replayed while its timestamp is fresh: each delivery id is
        // applied once, in the transaction that applies it, remembered in the database (so across
        // processes and restarts) for a day, far beyond the 5-minute tolerance.
        await tx
          .delete(webhookReceipts)
          .where(lt(webhookReceipts.receivedAt, new Date(at.getTime() - WEBHOOK_RECEIPT_TTL_MS)));
        const receipt = await tx
          .insert(webhookReceipts)
          .values({ provider: 'resend', deliveryId, receivedAt: at })
          .onConflictDoNothing()
          .returning({ deliveryId: webhookReceipts.deliveryId });
        if (receipt.length === 0) return false;
        if (!emailId || !event?.type) return true;
        const [message] = await tx
          .select()
          .from(messages)
          .where(and(eq(messages.providerMessageId, emailId), eq(messages.provider, 'resend')));
        if (!message) return true;
        const where = and(eq(messages.workspaceId, message.workspaceId), eq(messages.id, message.id));
        if (event.type === 'email.delivered' && message.status === 'sent') {
          await tx.update(messages).set({ status: 'delivered', deliveredAt: at }).where(where);
        } else if (event.type === 'email.bounced' && message.status !== 'failed') {
          await tx
            .update(messages)
            .set({ status: 'failed', failedAt: at, lastError: 'Resend reports a bounce' })
            .where(where);
        } else if (event.type === 'email.complained' && message.participantId) {
          // A spam complaint is the strongest unsubscribe there is.
          await tx
            .update(participants)
            .set({ emailMarketingConsent: false, updatedAt: at })
            .where(and(eq(participants.workspaceId, message.workspaceId), eq(participants.id, message.participantId)));
        } else {
          return true;
        }
        await recordAudit(tx, systemActor(message.workspaceId, 'Resend'), at, {
          action: `message.${event.type?.replace('email.', '')}`,
          objectType: 'message',
          objectId: message.id,
          after: { event: event.type },
        });
        return true;
      });
      // A replay is answered as a success (the sender must stop retrying) and changes nothing.
      if (!applied) return reply.code(200).send({ duplicate: true, deliveryId });
      return reply.code(204).send();
    });

    async function unsubscribeTarget(token: string) {
      const parsed = readUnsubscribeToken(token);
      if (!parsed) return undefined;
      const [workspace] = await deps.db.select().from(workspaces).where(eq(workspaces.id, parsed.workspaceId));
      if (!workspace || !verifyUnsubscribeToken(workspace, token)) return undefined;
      const [person] = await deps.db
        .select()
        .from(participants)
        .where(and(eq(participants.workspaceId, workspace.id), eq(participants.id, parsed.participantId)));
      return person ? { workspace, person } : undefined;
    }

    app.get<{ Params: { token: string } }>('/u/:token', { schema: { hide: true } }, async (request, reply) => {
      const target = await unsubscribeTarget(request.params.token);
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
      const target = await unsubscribeTarget(request.params.token);
      reply.type('text/html; charset=utf-8');
      if (!target)
        return reply.code(404).send(publicPage('Link not valid', '<h1>This unsubscribe link is not valid</h1>'));
      if (target.person.emailMarketingConsent) {
        const at = deps.clock.now();
        await deps.db.transaction(async (tx) => {
          await tx
            .update(participants)
            .set({ emailMarketingConsent: false, updatedAt: at })
            .where(and(eq(participants.workspaceId, target.workspace.id), eq(participants.id, target.person.id)));
          await recordAudit(tx, systemActor(target.workspace.id, 'Unsubscribe link'), at, {
            action: 'participant.email_consent_revoked',
            objectType: 'participant',
            objectId: target.person.id,
            before: { emailMarketingConsent: true },
            after: { emailMarketingConsent: false },
          });
        });
      }
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
