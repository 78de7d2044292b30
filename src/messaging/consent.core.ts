/**
 * Whether a marketing message may go to a person on a channel. Checked when the message is
 * queued and again just before it is sent (consent can be withdrawn in between).
 * Order of reasons: do-not-contact overrides everything; then a missing address (nothing to
 * send to); then missing consent for that channel.
 */
export const CHANNELS = ['email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];
export const SKIP_REASONS = ['no_consent', 'do_not_contact', 'no_address', 'daily_cap'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface ContactFacts {
  email: string | null;
  phone: string | null;
  emailMarketingConsent: boolean;
  smsMarketingConsent: boolean;
  doNotContact: boolean;
}

export type ChannelDecision = { send: true; address: string } | { send: false; reason: SkipReason };

export function decideChannel(person: ContactFacts, channel: Channel): ChannelDecision {
  if (person.doNotContact) return { send: false, reason: 'do_not_contact' };
  const address = channel === 'email' ? person.email : person.phone;
  if (!address) return { send: false, reason: 'no_address' };
  const consent = channel === 'email' ? person.emailMarketingConsent : person.smsMarketingConsent;
  if (!consent) return { send: false, reason: 'no_consent' };
  return { send: true, address };
}

export function channelsFor(thankChannel: 'email' | 'sms' | 'email_and_sms'): Channel[] {
  return thankChannel === 'email_and_sms' ? ['email', 'sms'] : [thankChannel];
}

/** Carrier keywords (CTIA): any of these, alone, in any case, revokes SMS consent. */
export const SMS_OPT_OUT_WORDS = [
  'STOP',
  'STOPALL',
  'QUIT',
  'END',
  'REVOKE',
  'OPT OUT',
  'OPTOUT',
  'CANCEL',
  'UNSUBSCRIBE',
];
/** Only undoes an earlier STOP: texting START never creates consent that was not given. */
export const SMS_OPT_IN_WORDS = ['START', 'UNSTOP'];

export function smsKeyword(body: string): 'opt_out' | 'opt_in' | null {
  const word = body
    .trim()
    .replace(/[.!]+$/, '')
    .replace(/\s+/g, ' ')
    .toUpperCase();
  if (SMS_OPT_OUT_WORDS.includes(word)) return 'opt_out';
  if (SMS_OPT_IN_WORDS.includes(word)) return 'opt_in';
  return null;
}
