import type { FlagType } from '../../src/eligibility/eligibility.types.js';
import type { SkipReason } from '../../src/messaging/consent.core.js';
import type { ThankChannel } from '../../src/policy/policy.core.js';
import { MAKER_WORDS, type MakerReason } from '../../src/rewards/approval.core.js';
import type { RewardStatus } from '../../src/rewards/lifecycle.core.js';
import { formatMoney as formatMinor, isCurrency, minorUnits } from '../../src/shared/currency.js';

/**
 * Labels for the server's closed lists. Each table is keyed by the core's own type, so a value the
 * server adds is a compile error here until it has a label; where the server already words a value
 * (reward types), the web app shows the server's words.
 */
export { REWARD_TYPE_LABEL } from '../../src/policy/policy.core.js';
export { isCurrency, minorUnits };

export function money(amount: number, currency: string): string {
  return isCurrency(currency) ? formatMinor(amount, currency) : `${amount} ${currency}`;
}

export function moneyList(list: { currency: string; amount: number }[]): string {
  return list.length === 0 ? '—' : list.map((item) => money(item.amount, item.currency)).join(' · ');
}

/** "25.00" in USD → 2500; refuses more decimals than the currency has. */
export function toMinor(text: string, currency: string): number | null {
  const digits = isCurrency(currency) ? minorUnits(currency) : 2;
  const clean = text.replaceAll(',', '').trim();
  const pattern = digits === 0 ? /^\d+$/ : new RegExp(`^\\d+(\\.\\d{1,${digits}})?$`);
  if (!pattern.test(clean)) return null;
  const [whole = '0', fraction = ''] = clean.split('.');
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
}

export function fromMinor(amount: number, currency: string): string {
  const digits = isCurrency(currency) ? minorUnits(currency) : 2;
  return digits === 0 ? String(amount) : (amount / 10 ** digits).toFixed(digits);
}

const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

export function date(iso: string | null | undefined): string {
  return iso ? dateFormat.format(new Date(iso)) : '—';
}

export function dateTime(iso: string | null | undefined): string {
  return iso ? dateTimeFormat.format(new Date(iso)) : '—';
}

export function ago(iso: string): string {
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return date(iso);
}

export const STATUS_LABEL: Record<RewardStatus, string> = {
  in_review: 'In review',
  pending: 'Pending',
  sent: 'Sent',
  thanked: 'Thanked',
  declined: 'Declined',
  failed: 'Failed',
  rejected: 'Rejected',
  reversed: 'Reversed',
};

/** The core's own words for what each maker did (one wording for the API and the screen). */
export const MAKER_LABEL: Record<MakerReason, string> = MAKER_WORDS;

export const FLAG_LABEL: Record<FlagType, string> = {
  self_referral: 'Self-referral',
  duplicate_claim: 'Duplicate claim',
  disputed_attribution: 'Disputed attribution',
  partner_exception: 'Partner exception',
  velocity: 'Velocity',
  disposable_email: 'Disposable email',
  refunded: 'Refunded',
  existing_customer: 'Existing customer',
  tax_form_missing: 'Tax form missing',
};

export const THANK_CHANNEL_LABEL: Record<ThankChannel, string> = {
  email: 'Email',
  sms: 'Text message',
  email_and_sms: 'Email & text',
};

export const SKIP_LABEL: Record<SkipReason, string> = {
  no_consent: 'no consent',
  do_not_contact: 'do not contact',
  no_address: 'no address',
  daily_cap: 'daily limit',
};

export function humanize(key: string): string {
  return key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .replace(/^./, (c) => c.toUpperCase());
}

/** What a claim is for, in a line: "deal won 4,800.00 USD on 2 Mar 2026", or the lead it was given at. */
export function saleLine(conversion: { type: string; amount: number; currency: string; occurredAt: string } | null) {
  if (!conversion) return 'given at the lead, before any sale';
  return `${humanize(conversion.type).toLowerCase()} ${money(conversion.amount, conversion.currency)} on ${date(conversion.occurredAt)}`;
}
