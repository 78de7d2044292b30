import nodemailer from 'nodemailer';
import { displayName, type Sender } from '../sender.core.js';
import type { OutgoingMessage, Provider, SendResult } from './provider.js';
import { truncateError } from './provider.js';

/**
 * Email over SMTP (any server: Postfix, SES SMTP, Mailgun...). The outbox id is the Message-ID,
 * so a retried message is recognisably the same message to mail clients that de-duplicate.
 * SMTP has no idempotency key: a crash between the server's acceptance and our record can
 * deliver twice with the same Message-ID (Resend, below, does not have that gap).
 */
export function smtpProvider(options: { url: string; from: Sender; messageIdDomain: string }): Provider {
  const transport = nodemailer.createTransport(options.url);
  return {
    name: 'smtp',
    channel: 'email',
    async send(message: OutgoingMessage): Promise<SendResult> {
      try {
        const info = await transport.sendMail({
          from: { name: displayName(options.from, message.fromName) ?? '', address: options.from.address },
          to: message.to,
          subject: message.subject ?? '',
          text: message.bodyText,
          ...(message.bodyHtml ? { html: message.bodyHtml } : {}),
          messageId: `<${message.id}@${options.messageIdDomain}>`,
          headers: {
            'X-Rewardloop-Message-Id': message.id,
            ...(message.unsubscribeUrl
              ? {
                  'List-Unsubscribe': `<${message.unsubscribeUrl}>`,
                  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
                }
              : {}),
          },
        });
        return { outcome: 'accepted', providerMessageId: info.messageId };
      } catch (error) {
        const err = error as { responseCode?: number; message?: string; code?: string; command?: string };
        const text = truncateError(err.message ?? String(error));
        // The server refused our sign-in or our sender address (MAIL FROM): our configuration.
        if (err.code === 'EAUTH' || (err.command === 'MAIL FROM' && err.responseCode && err.responseCode >= 500)) {
          return { outcome: 'configuration_error', error: text };
        }
        // 5xx replies are final (no such mailbox, rejected); 4xx and connection trouble are worth retrying.
        if (err.responseCode && err.responseCode >= 500) return { outcome: 'permanent_failure', error: text };
        return { outcome: 'temporary_failure', error: text };
      }
    },
    async close() {
      transport.close();
    },
  };
}
