import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, checked over the raw request in constant time. Secrets may be a comma-
 * separated list so they can rotate: old and new both verify during the change-over.
 */
function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function secretList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter(Boolean);
}

/** Twilio: base64 HMAC-SHA1 of the full URL followed by each POST parameter's name and value, sorted by name. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + (params[key] ?? ''), url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

export function verifyTwilio(
  tokens: string[],
  signature: string | undefined,
  url: string,
  params: Record<string, string>,
): boolean {
  if (!signature) return false;
  return tokens.some((token) => equal(twilioSignature(token, url, params), signature));
}

/** Svix (Resend): `v1,` + base64 HMAC-SHA256 over `${id}.${timestamp}.${body}` with the decoded `whsec_` secret. */
export function svixSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export const MAX_WEBHOOK_AGE_SECONDS = 5 * 60;

export type SvixVerdict = 'ok' | 'missing_headers' | 'stale' | 'bad_signature';

export function verifySvix(
  secrets: string[],
  headers: { id?: string | undefined; timestamp?: string | undefined; signature?: string | undefined },
  body: string,
  now: Date,
): SvixVerdict {
  if (!headers.id || !headers.timestamp || !headers.signature) return 'missing_headers';
  const sent = Number(headers.timestamp);
  if (!Number.isFinite(sent) || Math.abs(now.getTime() / 1000 - sent) > MAX_WEBHOOK_AGE_SECONDS) return 'stale';
  const offered = headers.signature.split(' ').filter(Boolean);
  for (const secret of secrets) {
    const expected = svixSignature(secret, headers.id, headers.timestamp, body);
    if (offered.some((candidate) => equal(candidate, expected))) return 'ok';
  }
  return 'bad_signature';
}
