import type { OutgoingMessage, Provider, SendResult } from './provider.js';
import { truncateError } from './provider.js';

/**
 * SMS through Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`, form
 * encoded, basic auth). The outbox id travels as `I-Twilio-Idempotency-Token`, and delivery
 * reports come back to `/webhooks/twilio/status`.
 */
// Twilio error codes that will never succeed for this recipient; 21610 means they replied STOP.
const PERMANENT_CODES = new Set([21211, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006]);
// Twilio error codes about our own sending number or account, never about the recipient.
const CONFIGURATION_CODES = new Set([20003, 21212, 21606, 21659]);

export function twilioProvider(options: {
  accountSid: string;
  authToken: string;
  from: string;
  apiUrl: string;
  statusCallbackUrl: string;
}): Provider {
  const endpoint = `${options.apiUrl}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const auth = Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64');
  return {
    name: 'twilio',
    channel: 'sms',
    async send(message: OutgoingMessage): Promise<SendResult> {
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            authorization: `Basic ${auth}`,
            'content-type': 'application/x-www-form-urlencoded',
            'i-twilio-idempotency-token': message.id,
          },
          body: new URLSearchParams({
            To: message.to,
            From: options.from,
            Body: message.bodyText,
            StatusCallback: options.statusCallbackUrl,
          }),
          signal: AbortSignal.timeout(15_000),
        });
      } catch (error) {
        return {
          outcome: 'temporary_failure',
          error: truncateError(`Twilio unreachable: ${(error as Error).message}`),
        };
      }
      const text = await response.text();
      if (response.ok) {
        const sid = (JSON.parse(text) as { sid?: string }).sid;
        if (sid) return { outcome: 'accepted', providerMessageId: sid };
        return { outcome: 'temporary_failure', error: 'Twilio accepted without a sid' };
      }
      let code: number | undefined;
      try {
        code = (JSON.parse(text) as { code?: number }).code;
      } catch {
        // not JSON: keep the raw text in the error
      }
      const error = truncateError(`Twilio ${response.status}${code ? ` (${code})` : ''}: ${text}`);
      // 401 (20003): our account SID or token; 21606/21212/21659: our TWILIO_FROM number.
      if (response.status === 401 || response.status === 403 || (code !== undefined && CONFIGURATION_CODES.has(code))) {
        return { outcome: 'configuration_error', error };
      }
      if (code !== undefined && PERMANENT_CODES.has(code)) {
        return { outcome: 'permanent_failure', error, recipientOptedOut: code === 21610 };
      }
      if (response.status === 429 || response.status >= 500) return { outcome: 'temporary_failure', error };
      return { outcome: 'permanent_failure', error };
    },
    // Twilio documents no idempotency key for sending, so a retry after a crash first looks for
    // the same text to the same number since the first attempt.
    async findSent(message: OutgoingMessage, since: Date): Promise<string | null> {
      const query = new URLSearchParams({
        To: message.to,
        From: options.from,
        'DateSent>': since.toISOString().slice(0, 10),
        PageSize: '100',
      });
      const response = await fetch(`${endpoint}?${query}`, {
        headers: { authorization: `Basic ${auth}` },
        signal: AbortSignal.timeout(15_000),
      });
      if (!response.ok) throw new Error(`Twilio list ${response.status}: ${truncateError(await response.text())}`);
      const page = (await response.json()) as { messages?: { sid: string; body?: string }[] };
      return page.messages?.find((sent) => sent.body === message.bodyText)?.sid ?? null;
    },
  };
}
