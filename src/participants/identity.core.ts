import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * How people are matched across records (self-referral, duplicate detection). Email: case folded;
 * for Gmail (and googlemail.com, the same mailbox) dots in the local part are ignored; a +tag is
 * dropped for every domain (subaddressing). Other domains keep their dots: `j.smith@example.com`
 * and `jsmith@example.com` can be different people.
 */
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

export function normalizeEmail(email: string): string {
  const trimmed = email.trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0) return trimmed;
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll('.', '');
    domain = 'gmail.com';
  }
  return `${local}@${domain}`;
}

export function emailDomain(email: string): string {
  return email.trim().toLowerCase().split('@').pop() ?? '';
}

export type PhoneResult = { ok: true; e164: string } | { ok: false; message: string };

/** Phones are stored in E.164; numbers without a country code take the workspace's country. */
export function normalizePhone(input: string, defaultCountry: string): PhoneResult {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry as CountryCode);
  if (!parsed?.isValid()) {
    return {
      ok: false,
      message: `Is not a valid phone number (write it with a country code, e.g. +1 415 555 0100, or as a ${defaultCountry} number).`,
    };
  }
  return { ok: true, e164: parsed.number };
}

/** Names and addresses compared loosely: case, accents, punctuation and spacing ignored. */
export function normalizeLoose(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}
