import type { Channel } from '../consent.core.js';
import type { Sender } from '../sender.core.js';
import type { Provider } from './provider.js';
import { resendProvider } from './resend.provider.js';
import { smtpProvider } from './smtp.provider.js';
import { twilioProvider } from './twilio.provider.js';

/** What the providers need of the server's configuration (config.ts's Config has it). */
export interface ProvidersConfig {
  publicUrl: string;
  email: {
    smtpUrl: string | undefined;
    from: Sender | undefined;
    resendApiKey: string | undefined;
    resendApiUrl: string;
    /** Read by the webhook route, not by the providers. */
    resendWebhookSecret?: string | undefined;
  };
  sms: {
    accountSid: string | undefined;
    authToken: string | undefined;
    from: string | undefined;
    apiUrl: string;
  };
}

/** The providers the environment configures; a channel without one keeps its messages queued. */
export function providersFromConfig(config: ProvidersConfig): Partial<Record<Channel, Provider>> {
  const providers: Partial<Record<Channel, Provider>> = {};
  const from = config.email.from;
  if (config.email.resendApiKey && from) {
    providers.email = resendProvider({ apiKey: config.email.resendApiKey, apiUrl: config.email.resendApiUrl, from });
  } else if (config.email.smtpUrl && from) {
    providers.email = smtpProvider({
      url: config.email.smtpUrl,
      from,
      messageIdDomain: new URL(config.publicUrl).hostname,
    });
  }
  const sms = config.sms;
  if (sms.accountSid && sms.authToken && sms.from) {
    providers.sms = twilioProvider({
      accountSid: sms.accountSid,
      authToken: sms.authToken.split(',')[0]?.trim() ?? sms.authToken,
      from: sms.from,
      apiUrl: sms.apiUrl,
      statusCallbackUrl: `${config.publicUrl}/webhooks/twilio/status`,
    });
  }
  return providers;
}

/** What /healthz says about messaging: which provider sends each channel, or why nothing does. */
export function describeProviders(
  config: Pick<ProvidersConfig, 'email' | 'sms'>,
  providers: Partial<Record<Channel, Provider>>,
) {
  const email =
    providers.email?.name ??
    (config.email.smtpUrl || config.email.resendApiKey
      ? 'not configured (EMAIL_FROM is missing)'
      : 'not configured: email waits in the outbox (set SMTP_URL or RESEND_API_KEY, and EMAIL_FROM)');
  const sms =
    providers.sms?.name ??
    'not configured: texts wait in the outbox (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM)';
  return { email, sms };
}
