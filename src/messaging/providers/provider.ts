/**
 * A message provider speaks one real protocol (SMTP, Resend's HTTP API, Twilio's REST API). The
 * outbox message id goes to the provider as its idempotency key, so a retry after a crash between
 * "sent" and "recorded" never reaches the recipient twice where the provider honours the key.
 */
export interface OutgoingMessage {
  id: string;
  channel: 'email' | 'sms';
  to: string;
  subject: string | null;
  bodyText: string;
  bodyHtml: string | null;
  /** Shown as the sender: "Jane Agent, Acme Realty" <from@address>. */
  fromName: string;
  unsubscribeUrl?: string | undefined;
}

export type SendResult =
  | { outcome: 'accepted'; providerMessageId: string }
  | { outcome: 'temporary_failure'; error: string }
  | { outcome: 'permanent_failure'; error: string; recipientOptedOut?: boolean }
  /**
   * The provider refused *us*, not the recipient: our sender address, our credentials, our
   * account. Nothing is wrong with the message; it waits (held) until the configuration is fixed.
   */
  | { outcome: 'configuration_error'; error: string };

export interface Provider {
  name: string;
  channel: 'email' | 'sms';
  send(message: OutgoingMessage): Promise<SendResult>;
  /**
   * For a message whose last attempt ended without a recorded outcome (the sender died): the
   * provider's id if the provider already has it, so it is recorded instead of sent again.
   * Providers that honour the idempotency key (Resend) need not answer; SMTP cannot.
   */
  findSent?(message: OutgoingMessage, since: Date): Promise<string | null>;
  close?(): Promise<void>;
}

export function truncateError(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
