import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';

/** The envelope sender from EMAIL_FROM: an address, and the display name written with it, if any. */
export interface Sender {
  address: string;
  name: string | undefined;
}

const AddressSchema = z.email();

/**
 * Reads `rewards@acme.test` or `Rewards Team <rewards@acme.test>` (RFC 5322, through nodemailer's
 * address parser, so quoted names with commas work too). Answers why not when it is not exactly
 * one plain address.
 */
export function parseSender(value: string): { ok: true; sender: Sender } | { ok: false; reason: string } {
  const parsed = addressparser(value);
  const [first] = parsed;
  if (parsed.length !== 1 || !first) {
    return {
      ok: false,
      reason: 'must be one address, e.g. rewards@example.com or "Rewards Team <rewards@example.com>"',
    };
  }
  if ('group' in first) return { ok: false, reason: 'must be one address, not a group' };
  if (!AddressSchema.safeParse(first.address).success) {
    return {
      ok: false,
      reason: `"${first.address || first.name}" is not an email address; write rewards@example.com or "Rewards Team <rewards@example.com>"`,
    };
  }
  return { ok: true, sender: { address: first.address, name: first.name.trim() || undefined } };
}

/**
 * The name a recipient sees. The workspace's own (sender and business, from Settings) says who is
 * thanking them; EMAIL_FROM's name is the fallback for a message without one.
 */
export function displayName(sender: Sender, messageFromName: string): string | undefined {
  return messageFromName.trim() || sender.name;
}
