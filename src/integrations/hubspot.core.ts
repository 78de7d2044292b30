import { createHmac, timingSafeEqual } from 'node:crypto';
import { isCurrency, minorUnits } from '../shared/currency.js';

/**
 * HubSpot: signature v3 and which events of a batch are deals won, as pure functions.
 *
 * v3 (HubSpot's "Validating requests"): base64 of HMAC-SHA256, keyed with the app's client
 * secret, over method + URI + body + X-HubSpot-Request-Timestamp, where the URI has these
 * URL-encoded characters decoded first; a timestamp (milliseconds) older than 5 minutes is refused.
 */
export const HUBSPOT_MAX_AGE_MS = 5 * 60 * 1000;

const DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

export function hubspotUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (match) => DECODED[match.toUpperCase()] ?? match);
}

export function hubspotSignatureV3(
  clientSecret: string,
  request: { method: string; uri: string; body: string; timestamp: string },
): string {
  const source = `${request.method.toUpperCase()}${hubspotUri(request.uri)}${request.body}${request.timestamp}`;
  return createHmac('sha256', clientSecret).update(source, 'utf8').digest('base64');
}

export type HubspotVerdict = 'ok' | 'missing_headers' | 'stale' | 'bad_signature';

export function verifyHubspot(
  secrets: string[],
  request: { method: string; uri: string; body: string },
  headers: { signature?: string | undefined; timestamp?: string | undefined },
  nowMs: number,
): HubspotVerdict {
  if (!headers.signature || !headers.timestamp) return 'missing_headers';
  const sent = Number(headers.timestamp);
  if (!/^\d{1,16}$/.test(headers.timestamp) || Math.abs(nowMs - sent) > HUBSPOT_MAX_AGE_MS) return 'stale';
  const offered = Buffer.from(headers.signature);
  for (const secret of secrets) {
    const expected = Buffer.from(hubspotSignatureV3(secret, { ...request, timestamp: headers.timestamp }));
    if (expected.length === offered.length && timingSafeEqual(expected, offered)) return 'ok';
  }
  return 'bad_signature';
}

/** One event of HubSpot's batch, as far as we read it. */
export interface HubspotEvent {
  eventId: string;
  subscriptionType: string;
  objectId: string | undefined;
  propertyName: string | undefined;
  propertyValue: string | undefined;
}

export type HubspotPlan = { kind: 'deal_won'; dealId: string } | { kind: 'ignored'; reason: string };

/** Reads a batch body; undefined when it is not HubSpot's shape (an array of events with ids). */
export function parseHubspotBatch(body: unknown): HubspotEvent[] | undefined {
  if (!Array.isArray(body) || body.length > 1000) return undefined;
  const events: HubspotEvent[] = [];
  for (const item of body) {
    if (!item || typeof item !== 'object') return undefined;
    const e = item as Record<string, unknown>;
    const id = typeof e.eventId === 'number' || typeof e.eventId === 'string' ? String(e.eventId) : undefined;
    if (!id || id.length > 100) return undefined;
    const scalar = (value: unknown) =>
      typeof value === 'string' || typeof value === 'number' ? String(value).slice(0, 200) : undefined;
    events.push({
      eventId: id,
      subscriptionType: scalar(e.subscriptionType) ?? '',
      objectId: scalar(e.objectId),
      propertyName: scalar(e.propertyName),
      propertyValue: scalar(e.propertyValue),
    });
  }
  return events;
}

export function planHubspotEvent(event: HubspotEvent, closedWonStages: readonly string[]): HubspotPlan {
  if (event.subscriptionType !== 'deal.propertyChange') {
    return { kind: 'ignored', reason: `Rewardloop does not use ${event.subscriptionType || 'unnamed'} events.` };
  }
  if (event.propertyName !== 'dealstage') return { kind: 'ignored', reason: 'Not a deal stage change.' };
  if (!event.propertyValue || !closedWonStages.includes(event.propertyValue)) {
    return { kind: 'ignored', reason: `Deal stage ${event.propertyValue ?? '(none)'} is not a closed-won stage.` };
  }
  if (!event.objectId || !/^\d{1,30}$/.test(event.objectId)) return { kind: 'ignored', reason: 'No deal id.' };
  return { kind: 'deal_won', dealId: event.objectId };
}

/**
 * HubSpot's deal amount is a decimal string in major units ("1500.00"); Rewardloop counts minor
 * units. More decimals than the currency has, or anything that is not a plain number, is refused.
 */
export function hubspotAmountToMinor(amount: string, currency: string): number | undefined {
  const match = /^(\d{1,13})(?:\.(\d+))?$/.exec(amount.trim());
  if (!match || !isCurrency(currency)) return undefined;
  const digits = minorUnits(currency);
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > digits) return undefined;
  return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
}
