import { displayName, type Sender } from '../sender.core.js';
import type { OutgoingMessage, Provider, SendResult } from './provider.js';
import { truncateError } from './provider.js';

/** A display name as RFC 5322 wants it: quoted, with quotes and backslashes escaped ("Jane, Acme"). */
export function quoteName(name: string): string {
  return `"${name.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ')}"`;
}

/** Email through Resend's HTTP API (`POST /emails`), with the outbox id as `Idempotency-Key`. */
export function resendProvider(options: { apiKey: string; apiUrl: string; from: Sender }): Provider {
  return {
    name: 'resend',
    channel: 'email',
    async send(message: OutgoingMessage): Promise<SendResult> {
      const name = displayName(options.from, message.fromName);
      let response: Response;
      try {
        response = await fetch(`${options.apiUrl}/emails`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            'content-type': 'application/json',
            'idempotency-key': message.id,
          },
          body: JSON.stringify({
            from: name ? `${quoteName(name)} <${options.from.address}>` : options.from.address,
            // Staff notices go to a list of addresses written as one comma-separated string.
            to: message.to
              .split(',')
              .map((address) => address.trim())
              .filter(Boolean),
            subject: message.subject ?? '',
            text: message.bodyText,
            ...(message.bodyHtml ? { html: message.bodyHtml } : {}),
            headers: {
              'X-Rewardloop-Message-Id': message.id,
              ...(message.unsubscribeUrl
                ? {
                    'List-Unsubscribe': `<${message.unsubscribeUrl}>`,
                    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
                  }
                : {}),
            },
            tags: [{ name: 'rewardloop_message', value: message.id.replace(/[^A-Za-z0-9_-]/g, '_') }],
          }),
          signal: AbortSignal.timeout(15_000),
        });
      } catch (error) {
        return {
          outcome: 'temporary_failure',
          error: truncateError(`Resend unreachable: ${(error as Error).message}`),
        };
      }
      const text = await response.text();
      if (response.ok) {
        const id = (JSON.parse(text) as { id?: string }).id;
        if (id) return { outcome: 'accepted', providerMessageId: id };
        return { outcome: 'temporary_failure', error: 'Resend accepted without an id' };
      }
      const error = truncateError(`Resend ${response.status}: ${text}`);
      // 401/403: our API key is missing, wrong or may not send from this domain; 422 about
      // `from`: our EMAIL_FROM. Neither says anything about the recipient.
      if (response.status === 401 || response.status === 403 || (response.status === 422 && /\bfrom\b/i.test(text)))
        return { outcome: 'configuration_error', error };
      if (response.status === 429 || response.status >= 500 || response.status === 409)
        return { outcome: 'temporary_failure', error };
      return { outcome: 'permanent_failure', error };
    },
  };
}
