/**
 * Tremendous' REST API, the two calls an order needs: place it (`POST /api/v2/orders`) and read
 * it again (`GET /api/v2/orders/{id}`). Every answer, and no answer, is a value for the job to
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
