import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideOrder,
  denominationOf,
  externalIdFor,
  MAX_ORDER_ATTEMPTS,
  readOrderAnswer,
  retryDelayMs,
  tremendousOrderBody,
} from './fulfilment.core.js';

describe('ordering a gift card from Tremendous', () => {
  it('sends the denomination in major units of the currency', () => {
    expect(denominationOf(2500, 'USD')).toBe(25); // 25.00 USD
    expect(denominationOf(1999, 'EUR')).toBe(19.99); // 19.99 EUR
    expect(denominationOf(500, 'JPY')).toBe(500); // ¥500, no minor unit
    expect(denominationOf(12_345, 'KWD')).toBe(12.345); // 12.345 KWD, three decimals
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 ** 9 }),
        (minor) => Math.round(denominationOf(minor, 'USD') * 100) === minor,
      ),
    );
  });

  it('builds the order body Tremendous expects', () => {
    expect(
      tremendousOrderBody({
        externalId: 'rwd_1',
        campaignId: 'C',
        fundingSourceId: 'F',
        amount: 2500,
        currency: 'USD',
        recipient: { name: 'Jess', email: 'jess@example.com' },
      }),
    ).toEqual({
      external_id: 'rwd_1',
      payment: { funding_source_id: 'F' },
      reward: {
        campaign_id: 'C',
        value: { denomination: 25, currency_code: 'USD' },
        recipient: { name: 'Jess', email: 'jess@example.com' },
        delivery: { method: 'EMAIL' },
      },
    });
  });

  it('orders every attempt of a round under one external id, a new round under its own', () => {
    expect(externalIdFor('rwd_1', 1)).toBe('rwd_1');
    expect(externalIdFor('rwd_1', 2)).toBe('rwd_1-r2');
  });

  it.each([
    [200, { order: { id: 'O1', status: 'EXECUTED' } }, 'executed'],
    [201, { order: { id: 'O1', status: 'EXECUTED' } }, 'executed'], // the order already placed under this external id
    [200, { order: { id: 'O1', status: 'PENDING APPROVAL' } }, 'waiting'],
    [202, { order: { id: 'O1', status: 'PENDING INTERNAL PAYMENT APPROVAL' } }, 'waiting'],
    [200, { order: { id: 'O1', status: 'FAILED' } }, 'refused'],
    [200, { order: { id: 'O1', status: 'CANCELED' } }, 'refused'],
    [400, { errors: { message: 'validation failure', payload: { reward: { campaign_id: 'unknown' } } } }, 'refused'],
    [401, { errors: { message: 'Invalid API key' } }, 'refused'],
    [402, { errors: { message: 'Not enough funds' } }, 'refused'],
    [422, null, 'refused'],
    [429, null, 'retry'],
    [500, null, 'retry'],
    [503, { errors: { message: 'down' } }, 'retry'],
    [200, { order: { status: 'EXECUTED' } }, 'retry'], // no order id: cannot be recorded, ask again
  ] as const)('reads %i %j as %s', (status, body, kind) => {
    expect(readOrderAnswer(status, body).kind).toBe(kind);
  });

  it("keeps the provider's words for a refusal", () => {
    const outcome = readOrderAnswer(400, {
      errors: { message: 'Order failed: validation failure', payload: { payment: { funding_source_id: 'Missing' } } },
    });
    expect(outcome).toMatchObject({ kind: 'refused', reason: expect.stringContaining('validation failure — Missing') });
    expect(readOrderAnswer('no_answer', null, 'timeout').kind).toBe('retry');
  });

  it('retries within the attempt budget and then gives up, never otherwise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempts, r) => {
        const decision = decideOrder({ kind: 'retry', orderId: null, reason: '503' }, attempts, () => r);
        if (attempts >= MAX_ORDER_ATTEMPTS) return decision.order === 'failed' && decision.reward === 'failed';
        return decision.order === 'queued' && decision.reward === 'stays' && decision.retryInMs > 0;
      }),
    );
    expect(decideOrder({ kind: 'executed', orderId: 'O', providerStatus: 'EXECUTED' }, 99).reward).toBe('sent');
    expect(decideOrder({ kind: 'waiting', orderId: 'O', providerStatus: 'PENDING APPROVAL' }, 99).reward).toBe('stays');
  });

  it('backs off longer each attempt, up to six hours, with jitter', () => {
    expect(retryDelayMs(1, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(2, () => 0.5)).toBe(120_000);
    expect(retryDelayMs(20, () => 0.5)).toBe(6 * 3_600_000);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const delay = retryDelayMs(attempt, () => r);
        return delay >= 24_000 && delay <= 25_920_000; // 30 s × 0.8 … 6 h × 1.2
      }),
    );
  });
});
