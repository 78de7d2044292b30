/**
 * The two HubSpot CRM v3 reads a won deal needs: the deal (amount, currency, stage, contacts)
 * and its first contact (email, name). A failure is a value the service records, never a throw.
 */
export interface HubspotDeal {
  id: string;
  amount: string | undefined;
  currency: string | undefined;
  stage: string | undefined;
  contactIds: string[];
}

export interface HubspotContact {
  id: string;
  email: string | undefined;
  name: string | undefined;
}

export type Fetched<T> = { ok: true; value: T } | { ok: false; retry: boolean; reason: string };

const TIMEOUT_MS = 10_000;

async function getJson(url: string, accessToken: string): Promise<Fetched<Record<string, unknown>>> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    return { ok: false, retry: true, reason: `HubSpot did not answer: ${(error as Error).message}` };
  }
  if (!response.ok) {
    // 429 and 5xx pass; 401/403/404 will not get better by retrying the same delivery.
    const retry = response.status === 429 || response.status >= 500;
    return { ok: false, retry, reason: `HubSpot answered ${response.status} for ${new URL(url).pathname}` };
  }
  try {
    const body = (await response.json()) as unknown;
    if (!body || typeof body !== 'object') return { ok: false, retry: false, reason: 'HubSpot answered no object.' };
    return { ok: true, value: body as Record<string, unknown> };
  } catch {
    return { ok: false, retry: true, reason: 'HubSpot answered something that is not JSON.' };
  }
}

const prop = (object: Record<string, unknown>, name: string): string | undefined => {
  const properties = object.properties;
  if (!properties || typeof properties !== 'object') return undefined;
  const value = (properties as Record<string, unknown>)[name];
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
};

export async function fetchDeal(apiUrl: string, accessToken: string, dealId: string): Promise<Fetched<HubspotDeal>> {
  const url = `${apiUrl}/crm/v3/objects/deals/${encodeURIComponent(dealId)}?properties=amount,deal_currency_code,dealstage&associations=contacts`;
  const fetched = await getJson(url, accessToken);
  if (!fetched.ok) return fetched;
  const deal = fetched.value;
  const associations = (deal.associations as { contacts?: { results?: { id?: unknown }[] } } | undefined)?.contacts;
  const contactIds = (Array.isArray(associations?.results) ? associations.results : [])
    .map((result) => (typeof result?.id === 'string' || typeof result?.id === 'number' ? String(result.id) : ''))
    .filter(Boolean);
  return {
    ok: true,
    value: {
      id: String(deal.id ?? dealId),
      amount: prop(deal, 'amount'),
      currency: prop(deal, 'deal_currency_code')?.toUpperCase(),
      stage: prop(deal, 'dealstage'),
      contactIds,
    },
  };
}

export async function fetchContact(
  apiUrl: string,
  accessToken: string,
  contactId: string,
): Promise<Fetched<HubspotContact>> {
  const url = `${apiUrl}/crm/v3/objects/contacts/${encodeURIComponent(contactId)}?properties=email,firstname,lastname`;
  const fetched = await getJson(url, accessToken);
  if (!fetched.ok) return fetched;
  const contact = fetched.value;
  const name = [prop(contact, 'firstname'), prop(contact, 'lastname')].filter(Boolean).join(' ');
  return {
    ok: true,
    value: { id: String(contact.id ?? contactId), email: prop(contact, 'email'), name: name || undefined },
  };
}
