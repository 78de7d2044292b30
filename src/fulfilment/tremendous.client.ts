/**
 * Tremendous' REST API, the calls an order needs: place it (`POST /api/v2/orders`), read it
 * again (`GET /api/v2/orders/{id}`) and reject it while it waits for approval. Every answer, and no answer, is a value for the job to
 * decide on (fulfilment.core.ts readOrderAnswer), never a throw.
 */
import { type OrderOutcome, type OrderRequest, readOrderAnswer, tremendousOrderBody } from './fulfilment.core.js';

const TIMEOUT_MS = 15_000;

export interface TremendousConnection {
  apiUrl: string;
  apiKey: string;
  campaignId: string;
  fundingSourceId: string;
}

async function call(connection: TremendousConnection, path: string, init: RequestInit): Promise<OrderOutcome> {
  let response: Response;
  try {
    response = await fetch(`${connection.apiUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${connection.apiKey}`,
        accept: 'application/json',
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      // A redirect could take the key to another host.
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    return readOrderAnswer('no_answer', null, (error as Error).message);
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page): the status decides.
  }
  return readOrderAnswer(response.status, body);
}

export function placeTremendousOrder(
  connection: TremendousConnection,
  order: Omit<OrderRequest, 'campaignId' | 'fundingSourceId'>,
): Promise<OrderOutcome> {
  const body = tremendousOrderBody({
    ...order,
    campaignId: connection.campaignId,
    fundingSourceId: connection.fundingSourceId,
  });
  return call(connection, '/api/v2/orders', { method: 'POST', body: JSON.stringify(body) });
}

export function getTremendousOrder(connection: TremendousConnection, orderId: string): Promise<OrderOutcome> {
  return call(connection, `/api/v2/orders/${encodeURIComponent(orderId)}`, { method: 'GET' });
}

/**
 * Rejects an order still PENDING APPROVAL (`POST /api/v2/order_approvals/{id}/reject`), so its
 * reward is never delivered. Tremendous only allows it with "Allow approvals via API" on in the
 * team's order-approval settings (403 otherwise), and only before the order executed: a
 * rejected order comes back CANCELED, any other answer means the order is still theirs.
 */
export function rejectTremendousOrder(connection: TremendousConnection, orderId: string): Promise<OrderOutcome> {
  return call(connection, `/api/v2/order_approvals/${encodeURIComponent(orderId)}/reject`, { method: 'POST' });
}
