/**
 * The closed lists of the integrations feature, pure so the database schema, the API contract
 * and the web app all build on them.
 */
export const INTEGRATION_PROVIDERS = ['stripe', 'hubspot', 'tremendous'] as const;
export type IntegrationProvider = (typeof INTEGRATION_PROVIDERS)[number];

/** processing: being applied now; applied: it changed something; ignored: nothing to do; failed: retried on redelivery. */
export const INTEGRATION_EVENT_STATUSES = ['processing', 'applied', 'ignored', 'failed'] as const;
export type IntegrationEventStatus = (typeof INTEGRATION_EVENT_STATUSES)[number];

/** How long a secret replaced with keepPrevious stays valid beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** A delivery still marked processing this long after it began is taken to have died. */
export const STALE_PROCESSING_MS = 60 * 1000;

export const DEFAULT_HUBSPOT_API_URL = 'https://api.hubapi.com';
export const DEFAULT_CLOSED_WON_STAGES = ['closedwon'];

export const TREMENDOUS_HOSTS = ['www.tremendous.com', 'testflight.tremendous.com'] as const;
export const DEFAULT_TREMENDOUS_API_URL = 'https://www.tremendous.com';
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Tremendous' production or sandbox API over https, or this machine (a stand-in, tests). The
 * API key goes with every order, so no other host is ever asked (SSRF, a leaked key).
 */
export function isAllowedTremendousUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  const tremendous = url.protocol === 'https:' && (TREMENDOUS_HOSTS as readonly string[]).includes(url.hostname);
  return tremendous || (['http:', 'https:'].includes(url.protocol) && LOOPBACK.includes(url.hostname));
}
