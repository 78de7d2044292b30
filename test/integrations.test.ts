import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotSignatureV3, hubspotUri } from '../src/integrations/hubspot.core.js';
import { json, newParticipant, PUBLIC_URL, startTestApp, type TestApp } from './support/app.js';

const STRIPE_SECRET = 'whsec_test_0123456789abcdefghijklmnop';
const HUBSPOT_SECRET = 'hs-client-secret-0000-1111-2222';
const HUBSPOT_TOKEN = 'pat-na1-test-token-abcdef';

let t: TestApp;
let slug: string;

async function workspaceSlug(app: TestApp): Promise<string> {
  const overview = json(await app.owner.get('/v1/integrations'), 200);
  return String(overview.integrations[0].endpointUrl).split('/').pop() as string;
}

let eventCounter = 0;
function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_${++eventCounter}`) {
  return { id, object: 'event', type, created: Math.floor(t.clock.now().getTime() / 1000), data: { object } };
}

function postStripe(
  event: unknown,
  options: { secret?: string; timestamp?: number; slug?: string; header?: string } = {},
) {
  const payload = JSON.stringify(event);
  const header =
    options.header ??
    Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.secret ?? STRIPE_SECRET,
      timestamp: options.timestamp ?? Math.floor(t.clock.now().getTime() / 1000),
    });
  return t.app.inject({
    method: 'POST',
    url: `/webhooks/stripe/${options.slug ?? slug}`,
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
    payload,
  });
}

async function conversions(type?: string) {
  const page = json(await t.owner.get(`/v1/conversions?limit=100${type ? `&type=${type}` : ''}`), 200);
  return page.items as any[];
}

async function eventsRecorded() {
  return json(await t.owner.get('/v1/integrations'), 200).recentEvents as any[];
}

beforeAll(async () => {
  t = await startTestApp();
  slug = await workspaceSlug(t);
  json(await t.owner.put('/v1/integrations/stripe', { webhookSecret: STRIPE_SECRET }), 200);
});
afterAll(async () => t.close());

describe('Stripe', () => {
  it('answers the connection without its secret, only a hint and the URL to paste into Stripe', async () => {
    const overview = json(await t.owner.get('/v1/integrations'), 200);
    const stripe = overview.integrations.find((i: any) => i.provider === 'stripe');
    expect(stripe).toMatchObject({ configured: true, endpointUrl: `${PUBLIC_URL}/webhooks/stripe/${slug}` });
    expect(stripe.secretHint).toBe('whsec_…mnop');
    expect(JSON.stringify(overview)).not.toContain(STRIPE_SECRET);
  });

  it('refuses a bad signature, a stale one and a missing one with 400, recording nothing', async () => {
    const before = (await eventsRecorded()).length;
    const invoice = stripeEvent('invoice.paid', {
      id: 'in_bad',
      customer: 'cus_bad',
      amount_paid: 1000,
      currency: 'usd',
    });
    const wrong = await postStripe(invoice, { secret: 'whsec_someone_else_entirely_000' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(wrong.body).field).toBe('stripe-signature');
    const stale = await postStripe(invoice, { timestamp: Math.floor(t.clock.now().getTime() / 1000) - 301 });
    expect(stale.statusCode).toBe(400);
    expect(JSON.parse(stale.body).detail).toMatch(/5 minutes/);
    const none = await t.app.inject({
      method: 'POST',
      url: `/webhooks/stripe/${slug}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(invoice),
    });
    expect(none.statusCode).toBe(400);
    // A body changed after signing.
    const payload = JSON.stringify(invoice);
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const tampered = await t.app.inject({
      method: 'POST',
      url: `/webhooks/stripe/${slug}`,
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      payload: payload.replace('1000', '9000'),
    });
    expect(tampered.statusCode).toBe(400);
    expect((await eventsRecorded()).length).toBe(before);
    expect((await conversions()).some((c) => c.externalId === 'in_bad')).toBe(false);
  });

  it('checkout.session.completed with a referral code makes the customer a participant referred by code', async () => {
    const referrer = await newParticipant(t.owner, { name: 'Jessica Alvarez' });
    const checkout = stripeEvent('checkout.session.completed', {
      id: 'cs_test_1',
      object: 'checkout.session',
      client_reference_id: referrer.referralCode,
      customer: 'cus_new_1',
      customer_details: { email: 'sam.lee@example.com', name: 'Sam Lee' },
    });
    const answer = json(await postStripe(checkout), 200);
    expect(answer.events[0].status).toBe('applied');
    const people = json(await t.owner.get('/v1/participants?q=Sam%20Lee'), 200).items;
    expect(people).toHaveLength(1);
    expect(people[0]).toMatchObject({ externalId: 'cus_new_1', email: 'sam.lee@example.com' });
    const referrals = json(await t.owner.get(`/v1/referrals?referredId=${people[0].id}`), 200).items;
    expect(referrals).toHaveLength(1);
    expect(referrals[0]).toMatchObject({ source: 'code', referrer: { id: referrer.id } });

    // Then the customer's invoice is paid: a conversion for them, by the Stripe customer id.
    const paid = stripeEvent('invoice.paid', {
      id: 'in_1001',
      object: 'invoice',
      customer: 'cus_new_1',
      customer_email: 'sam.lee@example.com',
      amount_paid: 48_000, // $480.00
      currency: 'usd',
      charge: 'ch_1001',
      payment_intent: 'pi_1001',
    });
    expect(json(await postStripe(paid), 200).events[0].status).toBe('applied');
    const [conversion] = (await conversions('invoice_paid')).filter((c) => c.externalId === 'in_1001');
    expect(conversion).toMatchObject({
      source: 'stripe',
      amount: 48_000,
      currency: 'USD',
      referredId: people[0].id,
    });
    expect(conversion.outcome).not.toBe('awaiting_participant');
  });

  it('matches a checkout customer to an existing participant by email and gives them the Stripe id', async () => {
    const referrer = await newParticipant(t.owner);
    const known = await newParticipant(t.owner, { email: 'known.customer@example.com' });
    const checkout = stripeEvent('checkout.session.completed', {
      id: 'cs_test_2',
      metadata: { referral_code: referrer.referralCode },
      customer: 'cus_known',
      customer_details: { email: 'Known.Customer@example.com', name: 'Known' },
    });
    json(await postStripe(checkout), 200);
    const after = json(await t.owner.get(`/v1/participants/${known.id}`), 200);
    expect(after.externalId).toBe('cus_known');
    const referrals = json(await t.owner.get(`/v1/referrals?referredId=${known.id}`), 200).items;
    expect(referrals.map((r: any) => r.referrer.id)).toEqual([referrer.id]);
  });

  it('a redelivered event changes nothing and is answered as a success', async () => {
    const paid = stripeEvent('invoice.paid', {
      id: 'in_redeliver',
      customer: 'cus_redeliver',
      amount_paid: 2500,
      currency: 'eur',
    });
    const first = json(await postStripe(paid), 200);
    expect(first.duplicate).toBeUndefined();
    const again = json(await postStripe(paid), 200);
    expect(again.duplicate).toBe(true);
    t.clock.advance(60_000);
    expect(json(await postStripe(paid), 200).duplicate).toBe(true);
    const rows = (await conversions('invoice_paid')).filter((c) => c.externalId === 'in_redeliver');
    expect(rows).toHaveLength(1);
    // Kept waiting for a participant with this Stripe customer id, as the API does.
    expect(rows[0]).toMatchObject({
      outcome: 'awaiting_participant',
      currency: 'EUR',
      referredExternalId: 'cus_redeliver',
    });
    expect((await eventsRecorded()).filter((e) => e.eventId === paid.id)).toHaveLength(1);
  });

  it('two partial refunds of a charge are two refunds of the newly refunded amounts', async () => {
    const customer = await newParticipant(t.owner, { externalId: 'cus_refunds' });
    json(
      await postStripe(
        stripeEvent('invoice.paid', {
          id: 'in_refunds',
          customer: 'cus_refunds',
          amount_paid: 10_000,
          currency: 'usd',
          charge: 'ch_refunds',
        }),
      ),
      200,
    );
    const charge = (amountRefunded: number) => ({
      id: 'ch_refunds',
      object: 'charge',
      customer: 'cus_refunds',
      amount: 10_000,
      amount_refunded: amountRefunded, // cumulative
      currency: 'usd',
    });
    const first = stripeEvent('charge.refunded', charge(3000));
    const second = stripeEvent('charge.refunded', charge(5000));
    json(await postStripe(first), 200);
    json(await postStripe(second), 200);
    json(await postStripe(first), 200); // a redelivery of the first adds nothing
    const sale = (await conversions('invoice_paid')).find((c) => c.externalId === 'in_refunds');
    const refunds = (await conversions('refund')).filter((c) => c.originalExternalId === 'in_refunds');
    expect(refunds.map((r) => r.amount).sort()).toEqual([2000, 3000]); // $30.00 then $20.00 more
    expect(refunds.every((r) => r.reversesConversionId === sale.id)).toBe(true);
    expect(sale.referredId).toBe(customer.id);
  });

  it('an older cumulative total arriving late refunds nothing more', async () => {
    json(
      await postStripe(
        stripeEvent('invoice.paid', {
          id: 'in_late',
          customer: 'cus_late',
          amount_paid: 9000,
          currency: 'usd',
          charge: 'ch_late',
        }),
      ),
      200,
    );
    const charge = (amountRefunded: number) => ({
      id: 'ch_late',
      amount_refunded: amountRefunded,
      currency: 'usd',
      customer: 'cus_late',
    });
    json(await postStripe(stripeEvent('charge.refunded', charge(6000))), 200);
    const late = json(await postStripe(stripeEvent('charge.refunded', charge(4000))), 200);
    expect(late.events[0].status).toBe('ignored');
    const refunds = (await conversions('refund')).filter((c) => c.originalExternalId === 'in_late');
    expect(refunds.map((r) => r.amount)).toEqual([6000]);
  });

  it('charge.dispute.created is a chargeback of the invoice the charge paid', async () => {
    json(
      await postStripe(
        stripeEvent('invoice.paid', {
          id: 'in_disputed',
          customer: 'cus_d',
          amount_paid: 7000,
          currency: 'usd',
          charge: 'ch_d',
        }),
      ),
      200,
    );
    json(
      await postStripe(
        stripeEvent('charge.dispute.created', {
          id: 'dp_1',
          object: 'dispute',
          charge: 'ch_d',
          amount: 7000,
          currency: 'usd',
        }),
      ),
      200,
    );
    const chargebacks = (await conversions('chargeback')).filter((c) => c.externalId === 'dp_1');
    expect(chargebacks).toHaveLength(1);
    expect(chargebacks[0]).toMatchObject({ amount: 7000, originalExternalId: 'in_disputed', source: 'stripe' });
  });

  it('answers 200 to an event type it does not use and records it as ignored', async () => {
    const event = stripeEvent('customer.subscription.updated', { id: 'sub_1' });
    const answer = json(await postStripe(event), 200);
    expect(answer.events[0]).toMatchObject({ status: 'ignored' });
    const recorded = (await eventsRecorded()).find((e) => e.eventId === event.id);
    expect(recorded).toMatchObject({ provider: 'stripe', type: 'customer.subscription.updated', status: 'ignored' });
  });

  it('records an event with an unknown currency as failed with the reason, without a 5xx', async () => {
    const event = stripeEvent('invoice.paid', { id: 'in_xxx', customer: 'cus_x', amount_paid: 100, currency: 'zzz' });
    const answer = json(await postStripe(event), 200);
    expect(answer.events[0].status).toBe('failed');
    expect(answer.events[0].detail).toMatch(/currency/);
  });

  it('rotates the secret with both valid at once while rotating', async () => {
    const other = await startTestApp();
    try {
      const otherSlug = await workspaceSlug(other);
      const oldSecret = 'whsec_old_secret_0000000000000000';
      const newSecret = 'whsec_new_secret_1111111111111111';
      json(await other.owner.put('/v1/integrations/stripe', { webhookSecret: oldSecret }), 200);
      const rotated = json(
        await other.owner.put('/v1/integrations/stripe', { webhookSecret: newSecret, keepPrevious: true }),
        200,
      );
      expect(rotated.previousValidUntil).not.toBeNull();
      const send = (secret: string, id: string) => {
        const payload = JSON.stringify({ id, type: 'ping', created: 0, data: { object: {} } });
        return other.app.inject({
          method: 'POST',
          url: `/webhooks/stripe/${otherSlug}`,
          headers: {
            'content-type': 'application/json',
            'stripe-signature': Stripe.webhooks.generateTestHeaderString({
              payload,
              secret,
              timestamp: Math.floor(other.clock.now().getTime() / 1000),
            }),
          },
          payload,
        });
      };
      expect((await send(oldSecret, 'evt_old')).statusCode).toBe(200);
      expect((await send(newSecret, 'evt_new')).statusCode).toBe(200);
      // Rotating again without keepPrevious ends the overlap.
      json(await other.owner.put('/v1/integrations/stripe', { webhookSecret: newSecret }), 200);
      expect((await send(oldSecret, 'evt_old_2')).statusCode).toBe(400);
    } finally {
      await other.close();
    }
  });

  it("cannot post into another workspace's connection with a secret of one's own", async () => {
    const intruder = await t.otherWorkspace();
    const intruderSecret = 'whsec_intruder_secret_22222222222';
    json(await intruder.put('/v1/integrations/stripe', { webhookSecret: intruderSecret }), 200);
    const event = stripeEvent('invoice.paid', {
      id: 'in_intruder',
      customer: 'cus_i',
      amount_paid: 100,
      currency: 'usd',
    });
    const response = await postStripe(event, { secret: intruderSecret });
    expect(response.statusCode).toBe(400);
    expect((await conversions()).some((c) => c.externalId === 'in_intruder')).toBe(false);
    const unknown = await postStripe(event, { slug: 'no-such-workspace' });
    expect(unknown.statusCode).toBe(404);
  });

  it('answers hostile bodies and headers with 4xx, never 5xx', async () => {
    const bodies: [string, string][] = [
      ['application/json', '{not json'],
      ['application/json', ''],
      ['application/json', '"<script>alert(1)</script>"'],
      ['text/plain', "'; drop table conversions; --"],
      ['application/json', JSON.stringify({ id: 1, type: null })],
    ];
    for (const [type, payload] of bodies) {
      for (const header of [
        't=1,v1=abc',
        'garbage',
        `t=${Math.floor(t.clock.now().getTime() / 1000)},v1=${'0'.repeat(64)}`,
      ]) {
        const response = await t.app.inject({
          method: 'POST',
          url: `/webhooks/stripe/${slug}`,
          headers: { 'content-type': type, 'stripe-signature': header },
          payload,
        });
        expect(response.statusCode, `${type} ${payload} ${header}`).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
      }
    }
    // Signed, but not an event.
    const signedJunk = await postStripe({ hello: 'world' });
    expect(signedJunk.statusCode).toBe(400);
    const signedArray = await postStripe([1, 2, 3]);
    expect(signedArray.statusCode).toBe(400);
    const long = await postStripe(stripeEvent('x', {}), { slug: 'a'.repeat(250) });
    expect(long.statusCode).toBeLessThan(500);
  });
});

describe('HubSpot', () => {
  let api: Server;
  let apiUrl: string;
  const requests: { url: string; authorization: string | undefined }[] = [];
  const deals: Record<string, { amount: string; currency: string; contact: string }> = {
    '9001': { amount: '4800.00', currency: 'USD', contact: '501' },
    '9002': { amount: '120000', currency: 'JPY', contact: '502' },
  };
  const contacts: Record<string, { email: string; firstname: string; lastname: string }> = {
    '501': { email: 'pat.hub@example.com', firstname: 'Pat', lastname: 'Hub' },
    '502': { email: 'kenji@example.com', firstname: 'Kenji', lastname: 'Sato' },
  };

  beforeAll(async () => {
    // A local stand-in speaking the HubSpot CRM v3 objects API (the two reads we make).
    api = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      requests.push({ url: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== `Bearer ${HUBSPOT_TOKEN}`) {
        res.statusCode = 401;
        return res.end(JSON.stringify({ status: 'error', category: 'INVALID_AUTHENTICATION' }));
      }
      const deal = /^\/crm\/v3\/objects\/deals\/(\d+)$/.exec(url.pathname);
      const contact = /^\/crm\/v3\/objects\/contacts\/(\d+)$/.exec(url.pathname);
      if (deal?.[1] && deals[deal[1]]) {
        const d = deals[deal[1]];
        return res.end(
          JSON.stringify({
            id: deal[1],
            properties: {
              amount: d?.amount,
              deal_currency_code: d?.currency,
              dealstage: 'closedwon',
              hs_object_id: deal[1],
            },
            createdAt: '2026-02-01T10:00:00.000Z',
            updatedAt: '2026-03-02T14:59:00.000Z',
            archived: false,
            associations: { contacts: { results: [{ id: d?.contact, type: 'deal_to_contact' }] } },
          }),
        );
      }
      if (contact?.[1] && contacts[contact[1]]) {
        return res.end(JSON.stringify({ id: contact[1], properties: contacts[contact[1]], archived: false }));
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ status: 'error', category: 'OBJECT_NOT_FOUND' }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    json(
      await t.owner.put('/v1/integrations/hubspot', {
        clientSecret: HUBSPOT_SECRET,
        accessToken: HUBSPOT_TOKEN,
        closedWonStages: ['closedwon', 'contractsigned'],
        apiUrl,
      }),
      200,
    );
  });
  afterAll(async () => new Promise<void>((resolve) => api.close(() => resolve())));

  let hubspotEventId = 1000;
  const stageChange = (dealId: string, stage: string, eventId = ++hubspotEventId) => ({
    eventId,
    subscriptionId: 2_000_001,
    portalId: 62515,
    appId: 54321,
    occurredAt: t.clock.now().getTime(),
    subscriptionType: 'deal.propertyChange',
    attemptNumber: 0,
    objectId: Number(dealId),
    propertyName: 'dealstage',
    propertyValue: stage,
    changeSource: 'CRM',
  });

  function postHubspot(batch: unknown, options: { timestamp?: number; secret?: string; signature?: string } = {}) {
    const body = JSON.stringify(batch);
    const url = `/webhooks/hubspot/${slug}`;
    const timestamp = String(options.timestamp ?? t.clock.now().getTime());
    // Computed here from HubSpot's documented steps, independently of the server's code.
    const signature =
      options.signature ??
      createHmac('sha256', options.secret ?? HUBSPOT_SECRET)
        .update(`POST${PUBLIC_URL}${url}${body}${timestamp}`, 'utf8')
        .digest('base64');
    return t.app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': signature,
        'x-hubspot-request-timestamp': timestamp,
      },
      payload: body,
    });
  }

  it('signature v3 is the base64 HMAC-SHA256 of method, URI (decoded as HubSpot does), body and timestamp', () => {
    // HubSpot publishes no v3 vector; this one follows its steps and is checked against node:crypto.
    const request = {
      method: 'POST',
      uri: 'https://example.com/webhooks/hubspot/acme?x=a%3Ab%2Fc',
      body: '[{"eventId":1}]',
      timestamp: '1700000000000',
    };
    const expected = createHmac('sha256', 'secret')
      .update('POSThttps://example.com/webhooks/hubspot/acme?x=a:b/c[{"eventId":1}]1700000000000')
      .digest('base64');
    expect(hubspotSignatureV3('secret', request)).toBe(expected);
    expect(hubspotUri('https://x.test/a%40b%21%2a')).toBe('https://x.test/a@b!*');
  });

  it('a deal moving to a closed-won stage becomes a deal_won conversion read from the HubSpot API', async () => {
    const customer = await newParticipant(t.owner, { name: 'Pat Hub', email: 'pat.hub@example.com' });
    const answer = json(await postHubspot([stageChange('9001', 'closedwon')]), 200);
    expect(answer.events[0].status).toBe('applied');
    const [conversion] = (await conversions('deal_won')).filter((c) => c.externalId === '9001');
    expect(conversion).toMatchObject({ source: 'hubspot', amount: 480_000, currency: 'USD', referredId: customer.id });
    expect(requests.map((r) => r.url)).toEqual([
      '/crm/v3/objects/deals/9001?properties=amount,deal_currency_code,dealstage&associations=contacts',
      '/crm/v3/objects/contacts/501?properties=email,firstname,lastname',
    ]);
    expect(requests.every((r) => r.authorization === `Bearer ${HUBSPOT_TOKEN}`)).toBe(true);
  });

  it('retries from HubSpot are idempotent: the same events again record nothing new', async () => {
    const batch = [stageChange('9002', 'contractsigned'), stageChange('9002', 'closedwon')];
    json(await postHubspot(batch), 200);
    const again = json(await postHubspot(batch.map((e) => ({ ...e, attemptNumber: 1 }))), 200);
    expect(again.events.map((e: any) => e.status)).toEqual(['applied', 'applied']);
    // A new event id for the same won deal (moved back and forth) is a replay of the same conversion.
    json(await postHubspot([stageChange('9002', 'closedwon')]), 200);
    const rows = (await conversions('deal_won')).filter((c) => c.externalId === '9002');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amount: 120_000, currency: 'JPY', referredExternalId: '502' });
  });

  it('ignores a deal moving to a stage that is not closed-won, and other events', async () => {
    const before = requests.length;
    const answer = json(
      await postHubspot([
        stageChange('9001', 'appointmentscheduled'),
        { ...stageChange('9001', 'x'), propertyName: 'amount' },
        { eventId: 77, subscriptionType: 'contact.creation', objectId: 5 },
      ]),
      200,
    );
    expect(answer.events.map((e: any) => e.status)).toEqual(['ignored', 'ignored', 'ignored']);
    expect(requests.length).toBe(before);
  });

  it('refuses a stale timestamp and a bad signature with 400, recording nothing', async () => {
    const before = (await eventsRecorded()).length;
    const stale = await postHubspot([stageChange('9001', 'closedwon')], {
      timestamp: t.clock.now().getTime() - 5 * 60 * 1000 - 1,
    });
    expect(stale.statusCode).toBe(400);
    expect(JSON.parse(stale.body).field).toBe('x-hubspot-request-timestamp');
    const bad = await postHubspot([stageChange('9001', 'closedwon')], { secret: 'not-the-secret-at-all' });
    expect(bad.statusCode).toBe(400);
    const missing = await t.app.inject({
      method: 'POST',
      url: `/webhooks/hubspot/${slug}`,
      headers: { 'content-type': 'application/json' },
      payload: '[]',
    });
    expect(missing.statusCode).toBe(400);
    expect((await eventsRecorded()).length).toBe(before);
  });

  it('answers signed junk with 4xx', async () => {
    for (const body of [{ not: 'a batch' }, [null], [{ eventId: { $ne: 1 } }], '<script>']) {
      const response = await postHubspot(body);
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
    }
  });
});

describe('who may connect integrations', () => {
  it('answers 403 to staff, finance and viewers on the PUTs and the overview', async () => {
    for (const role of ['staff', 'finance', 'viewer'] as const) {
      const api = await t.as(role);
      expect((await api.put('/v1/integrations/stripe', { webhookSecret: STRIPE_SECRET })).statusCode).toBe(403);
      expect(
        (await api.put('/v1/integrations/hubspot', { clientSecret: HUBSPOT_SECRET, accessToken: HUBSPOT_TOKEN }))
          .statusCode,
      ).toBe(403);
      expect((await api.get('/v1/integrations')).statusCode).toBe(403);
    }
  });

  it('names the field at fault in a bad request', async () => {
    const response = await t.owner.put('/v1/integrations/stripe', {
      webhookSecret: 'sk_live_wrong_kind_of_key',
      extra: 1,
    });
    expect(response.statusCode).toBe(400);
    const problem = JSON.parse(response.body);
    expect(JSON.stringify(problem)).toMatch(/webhookSecret|extra/);
    const url = await t.owner.put('/v1/integrations/hubspot', {
      clientSecret: HUBSPOT_SECRET,
      accessToken: HUBSPOT_TOKEN,
      apiUrl: 'http://169.254.169.254/latest',
    });
    expect(url.statusCode).toBe(400);
    expect(JSON.parse(url.body).field).toBe('apiUrl');
    // An https host that is not HubSpot's would get the access token: refused too.
    for (const apiUrl of ['https://10.0.0.7', 'https://169.254.169.254', 'https://hubapi.com.evil.example']) {
      const refused = await t.owner.put('/v1/integrations/hubspot', {
        clientSecret: HUBSPOT_SECRET,
        accessToken: HUBSPOT_TOKEN,
        apiUrl,
      });
      expect(refused.statusCode, apiUrl).toBe(400);
    }
    expect(
      (
        await t.owner.put('/v1/integrations/hubspot', {
          clientSecret: HUBSPOT_SECRET,
          accessToken: HUBSPOT_TOKEN,
          apiUrl: 'https://api-eu1.hubapi.com',
        })
      ).statusCode,
    ).toBe(200);
  });
});
