/**
 * CSV imports through the API: bad rows reported by the file's line, nothing written unless
 * every row is valid (or skipInvalid), dry runs write nothing, the same file twice imports
 * nothing new, money in major units per currency, people named by email, and conversions that
 * go through the claim engine like posted ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_BODY_LIMIT } from '../src/imports/index.js';
import { type Api, json, newParticipant, startTestApp, type TestApp } from './support/app.js';
import { grew, tableCounts } from './support/counts.js';

const csv = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;

function upload(api: Api, kind: string, body: string, query = '', contentType = 'text/csv') {
  return api.post(`/v1/imports/${kind}${query ? `?${query}` : ''}`, body, { 'content-type': contentType });
}

async function findByExternalId(api: Api, externalId: string) {
  const page = json(await api.get(`/v1/participants?q=${encodeURIComponent(externalId)}&limit=100`), 200);
  return page.items.find((p: { externalId: string }) => p.externalId === externalId);
}

describe('importing participants', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reports bad rows at their line, counting the lines of a quoted multi-line cell, and imports nothing', async () => {
    const file = csv(
      'name,email,externalId,address,emailMarketingConsent',
      'Ana Ruiz,ana@example.com,crm-1,"12 Main St',
      'Springfield",true',
      'Bo Chen,not-an-email,crm-2,,no',
      'Cy Diaz,cy@example.com,crm-3,,perhaps',
    );
    const before = await tableCounts(t.database);
    const result = json(await upload(t.owner, 'participants', file), 200);
    expect(result).toMatchObject({ rows: 3, valid: 1, invalid: 2, imported: 0, dryRun: false });
    expect(result.errors).toEqual([
      { line: 4, field: 'email', message: 'Must be an email address.' },
      { line: 5, field: 'emailMarketingConsent', message: 'Must be true or false (or yes/no, 1/0).' },
    ]);
    expect(await tableCounts(t.database)).toEqual(before);
  });

  it('writes nothing on a dry run, and says what would happen', async () => {
    const file = csv('name,email', 'Dry One,dry1@example.com', 'Dry Two,dry2@example.com');
    const before = await tableCounts(t.database);
    const result = json(await upload(t.owner, 'participants', file, 'dryRun=true'), 200);
    expect(result).toMatchObject({ rows: 2, valid: 2, invalid: 0, imported: 0, existing: 0, dryRun: true, errors: [] });
    expect(await tableCounts(t.database)).toEqual(before);
  });

  it('imports only the valid rows with skipInvalid, and the same file twice imports nothing new', async () => {
    const file = csv(
      'name,email,externalId,phone,kind,smsMarketingConsent',
      'Dee Evans,DEE.EVANS+crm@Example.com,crm-10,+1 415 555 0142,customer,yes',
      'Eli Ford,,crm-11,not a phone,partner,',
      'Fay Gold,fay@example.com,,,,',
      ',nobody@example.com,crm-12,,,',
      'Gus Hale,,,,,',
    );
    const first = json(await upload(t.owner, 'participants', file, 'skipInvalid=true'), 200);
    expect(first).toMatchObject({ rows: 5, valid: 2, invalid: 3, imported: 2, existing: 0 });
    expect(first.errors.map((e: { line: number; field: string }) => [e.line, e.field])).toEqual([
      [3, 'phone'],
      [5, 'name'],
      [6, 'externalId'],
    ]);
    const dee = await findByExternalId(t.owner, 'crm-10');
    expect(dee).toMatchObject({
      name: 'Dee Evans',
      email: 'DEE.EVANS+crm@Example.com',
      phone: '+14155550142',
      smsMarketingConsent: true,
      emailMarketingConsent: false,
    });
    expect(dee.referralCode).toMatch(/^[A-Z2-9]{8}$/);
    const again = json(await upload(t.owner, 'participants', file, 'skipInvalid=true'), 200);
    expect(again).toMatchObject({ rows: 5, valid: 2, invalid: 3, imported: 0, existing: 2 });
    // Someone already known by email (case, +tag) is that person, not a new one.
    const byEmail = json(await upload(t.owner, 'participants', csv('name,email', 'Dee E.,dee.evans@example.com')), 200);
    expect(byEmail).toMatchObject({ imported: 0, existing: 1 });
  });

  it('refuses duplicates within the file and an email that belongs to someone with another externalId', async () => {
    await newParticipant(t.owner, { name: 'Hal Iver', email: 'hal@example.com', externalId: 'crm-20' });
    const file = csv(
      'name,email,externalId',
      'Ivy Jones,ivy@example.com,crm-21',
      'Ivy J.,IVY@example.com,crm-22',
      'Jo King,jo@example.com,crm-21',
      'Hal Other,hal@example.com,crm-23',
    );
    const result = json(await upload(t.owner, 'participants', file), 200);
    expect(result).toMatchObject({ rows: 4, valid: 1, invalid: 3, imported: 0 });
    expect(result.errors).toEqual([
      { line: 3, field: 'email', message: 'The same person as line 2.' },
      { line: 4, field: 'externalId', message: 'The same person as line 2.' },
      expect.objectContaining({ line: 5, field: 'email' }),
    ]);
  });

  it('stores a formula-looking cell as the text it is', async () => {
    const result = json(
      await upload(t.owner, 'participants', csv('name,externalId', '"=HYPERLINK(""http://x"",""y"")",crm-30')),
      200,
    );
    expect(result.imported).toBe(1);
    expect((await findByExternalId(t.owner, 'crm-30')).name).toBe('=HYPERLINK("http://x","y")');
  });

  it('writes one import audit event beside each participant.created', async () => {
    const result = json(
      await upload(t.owner, 'participants', csv('name,externalId', 'Kim Lee,crm-40', 'Lou Moe,crm-41')),
      200,
    );
    expect(result.imported).toBe(2);
    const imports = json(await t.owner.get('/v1/audit-events?action=import.completed&limit=100'), 200).items;
    expect(imports[0]).toMatchObject({
      objectType: 'import',
      after: { kind: 'participants', rows: 2, imported: 2, invalid: 0 },
    });
    const kim = await findByExternalId(t.owner, 'crm-40');
    const history = json(await t.owner.get(`/v1/audit-events?objectId=${kim.id}`), 200).items;
    expect(history.map((e: { action: string }) => e.action)).toEqual(['participant.created']);
  });

  it('refuses an unknown header, naming it, and an empty file', async () => {
    const unknown = json(
      await upload(t.owner, 'participants', csv('name,emial,colour', 'Ned,ned@example.com,red')),
      400,
    );
    expect(unknown).toMatchObject({ code: 'validation_failed', field: 'emial', line: 1 });
    expect(unknown.errors.map((e: { field: string }) => e.field)).toEqual(['emial', 'colour']);
    expect(unknown.detail).toContain('emial');
    const empty = json(await upload(t.owner, 'participants', ''), 400);
    expect(empty).toMatchObject({ code: 'validation_failed', field: 'body' });
    expect(empty.detail).toContain('empty');
    const headerOnly = json(await upload(t.owner, 'participants', csv('name,email')), 200);
    expect(headerOnly).toMatchObject({ rows: 0, imported: 0 });
  });

  it('answers 4xx, never 5xx, to a body that is not CSV or not sent as text/csv', async () => {
    const asJson = await t.owner.post('/v1/imports/participants', { name: 'Json' });
    expect(asJson.statusCode).toBe(415);
    expect(JSON.parse(asJson.body)).toMatchObject({ code: 'unsupported_media_type', field: 'content-type' });
    const asForm = await upload(t.owner, 'participants', 'name=x', '', 'application/x-www-form-urlencoded');
    expect(asForm.statusCode).toBe(415);
    const binary = await t.owner.post('/v1/imports/participants', Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x00]), {
      'content-type': 'text/csv',
    });
    expect(binary.statusCode).toBe(400);
    expect(JSON.parse(binary.body).detail).toContain('UTF-8');
    const unclosed = json(await upload(t.owner, 'participants', 'name,email\n"Open quote,x@example.com\n'), 400);
    expect(unclosed.detail).toContain('not valid CSV');
    const noBody = await t.owner.post('/v1/imports/participants');
    expect(noBody.statusCode).toBeGreaterThanOrEqual(400);
    expect(noBody.statusCode).toBeLessThan(500);
    const badFlag = json(await upload(t.owner, 'participants', csv('name,externalId', 'A,b'), 'dryRun=maybe'), 400);
    expect(badFlag.field).toBe('dryRun');
  });

  it('refuses a file over the import limit with a 413 that says so (the rest of the API keeps its 1 MiB)', async () => {
    const big = Buffer.alloc(IMPORT_BODY_LIMIT + 1, 'a');
    const response = await t.owner.post('/v1/imports/participants', big, { 'content-type': 'text/csv' });
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'payload_too_large', field: 'body' });
    const asJson = await t.owner.post('/v1/participants', { name: 'x'.repeat(2 * 1024 * 1024) });
    expect(asJson.statusCode).toBe(413);
  });

  it('is for owners and finance only', async () => {
    const staff = await t.as('staff');
    expect((await upload(staff, 'participants', csv('name,externalId', 'S,s-1'))).statusCode).toBe(403);
    const finance = await t.as('finance');
    expect(json(await upload(finance, 'participants', csv('name,externalId', 'F,f-1')), 200).imported).toBe(1);
  });
});

describe('importing referrals', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    json(
      await upload(
        t.owner,
        'participants',
        csv(
          'name,email,externalId',
          'Ref A,ref.a@gmail.com,p-a',
          'Ref B,ref.b@example.com,p-b',
          'Cust C,cust.c@example.com,p-c',
          'Cust D,cust.d@example.com,p-d',
          'Twin,twin@example.com,p-t1',
        ),
      ),
      200,
    );
    await newParticipant(t.owner, { name: 'Twin again', email: 'twin@example.com' });
  });
  afterAll(() => t.close());

  it('names people by id, externalId or email, refuses self-referral and unknown people, and imports once', async () => {
    const a = await findByExternalId(t.owner, 'p-a');
    const file = csv(
      'referrerId,referrerExternalId,referrerEmail,referredExternalId,referredEmail,evidence.note',
      `${a.id},,,p-c,,"She said ""A"" sent her"`,
      ',,R.E.F.A+x@gmail.com,,cust.d@example.com,',
      ',p-b,,p-b,,',
      ',p-zz,,p-c,,',
      ',,twin@example.com,p-d,,',
      `${a.id},p-b,,p-d,,`,
      ',p-a,,p-c,,',
    );
    const result = json(await upload(t.owner, 'referrals', file), 200);
    expect(result.errors).toEqual([
      { line: 4, field: 'referredId', message: 'A participant cannot refer themselves.' },
      { line: 5, field: 'referrerExternalId', message: 'No participant has the externalId p-zz.' },
      expect.objectContaining({ line: 6, field: 'referrerEmail' }),
      { line: 7, field: 'referrerExternalId', message: 'Names someone else than `referrerId` does.' },
      { line: 8, field: 'referredId', message: 'The same referral as line 2.' },
    ]);
    expect(result).toMatchObject({ rows: 7, valid: 2, invalid: 5, imported: 0 });
    const skipped = json(await upload(t.owner, 'referrals', file, 'skipInvalid=true'), 200);
    expect(skipped).toMatchObject({ valid: 2, imported: 2, existing: 0 });
    const list = json(await t.owner.get(`/v1/referrals?referrerId=${a.id}`), 200).items;
    expect(list).toHaveLength(2);
    expect(list.every((r: { source: string }) => r.source === 'import')).toBe(true);
    const toC = list.find((r: { referred: { name: string } }) => r.referred.name === 'Cust C');
    expect(toC.evidence).toEqual({ note: 'She said "A" sent her' });
    const again = json(await upload(t.owner, 'referrals', file, 'skipInvalid=true'), 200);
    expect(again).toMatchObject({ imported: 0, existing: 2 });
  });
});

describe('importing conversions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reads money in major units per currency, or amountMinor, and refuses more decimals than the currency has', async () => {
    const buyer = await newParticipant(t.owner, { externalId: 'buyer-1' });
    const file = csv(
      'externalId,source,type,referredExternalId,amount,currency',
      'inv-1,billing,invoice_paid,buyer-1,1500.00,USD',
      'inv-2,billing,invoice_paid,buyer-1,1500,JPY',
      'inv-3,billing,invoice_paid,buyer-1,"1,234.5",EUR',
      'inv-4,billing,invoice_paid,buyer-1,15.005,USD',
      'inv-5,billing,invoice_paid,buyer-1,1500.5,JPY',
      'inv-6,billing,invoice_paid,buyer-1,2.125,KWD',
      'inv-7,billing,invoice_paid,buyer-1,-5.00,USD',
      'inv-8,billing,invoice_paid,buyer-1,12,usd',
    );
    const result = json(await upload(t.owner, 'conversions', file, 'dryRun=true'), 200);
    expect(result.errors).toEqual([
      { line: 5, field: 'amount', message: 'USD has 2 decimals; "15.005" has 3.' },
      { line: 6, field: 'amount', message: 'JPY has no decimals; write whole JPY (e.g. 1500).' },
      { line: 8, field: 'amount', message: 'Must not be negative.' },
      expect.objectContaining({ line: 9, field: 'currency' }),
    ]);
    const imported = json(await upload(t.owner, 'conversions', file, 'skipInvalid=true'), 200);
    expect(imported).toMatchObject({ rows: 8, valid: 4, invalid: 4, imported: 4 });
    const list = json(await t.owner.get(`/v1/conversions?referredId=${buyer.id}&limit=100`), 200).items;
    const amounts = Object.fromEntries(
      list.map((c: { externalId: string; amount: number; currency: string }) => [
        c.externalId,
        `${c.amount} ${c.currency}`,
      ]),
    );
    expect(amounts).toEqual({ 'inv-1': '150000 USD', 'inv-2': '1500 JPY', 'inv-3': '123450 EUR', 'inv-6': '2125 KWD' });
    const minor = json(
      await upload(
        t.owner,
        'conversions',
        csv(
          'externalId,source,type,referredId,amountMinor,currency',
          `inv-9,billing,invoice_paid,${buyer.id},150000,USD`,
          `inv-10,billing,invoice_paid,${buyer.id},15.5,USD`,
        ),
        'skipInvalid=true',
      ),
      200,
    );
    expect(minor).toMatchObject({ imported: 1, invalid: 1 });
    expect(minor.errors[0]).toMatchObject({ line: 3, field: 'amountMinor' });
    const both = json(
      await upload(t.owner, 'conversions', csv('externalId,type,amount,amountMinor,currency', 'x,deal_won,1,100,USD')),
      400,
    );
    expect(both.field).toBe('amountMinor');
  });

  it('goes through the claim engine: a referred customer’s sale becomes a claim; the same file twice records nothing new', async () => {
    const referrer = await newParticipant(t.owner);
    const referred = await newParticipant(t.owner, { externalId: 'cust-77' });
    json(
      await t.owner.post('/v1/referrals', { referrerId: referrer.id, referredId: referred.id, source: 'manual' }),
      201,
    );
    const file = csv(
      'externalId,source,type,referredExternalId,referredId,amount,currency,occurredAt',
      'deal-1,crm,deal_won,cust-77,,4800.00,USD,2026-01-05T10:00:00Z',
      'deal-2,crm,deal_won,,par_NOPE,100.00,USD,',
      'deal-1,crm,deal_won,cust-77,,4800.00,USD,',
    );
    const refused = json(await upload(t.owner, 'conversions', file), 200);
    expect(refused.errors).toEqual([
      { line: 3, field: 'referredId', message: 'No participant has the id par_NOPE.' },
      { line: 4, field: 'externalId', message: 'The same event (source and externalId) as line 2.' },
    ]);
    expect(refused.imported).toBe(0);
    const good = csv(
      'externalId,source,type,referredExternalId,amount,currency,occurredAt',
      'deal-1,crm,deal_won,cust-77,4800.00,USD,2026-01-05T10:00:00Z',
      'deal-3,crm,deal_won,later-customer,99.00,USD,2026-01-06T10:00:00Z',
    );
    const first = json(await upload(t.owner, 'conversions', good), 200);
    expect(first).toMatchObject({ rows: 2, valid: 2, imported: 2, existing: 0 });
    const rewards = json(await t.owner.get(`/v1/rewards?limit=100`), 200).items;
    expect(rewards.filter((r: { referred: { id: string } }) => r.referred?.id === referred.id)).toHaveLength(1);
    const before = await tableCounts(t.database);
    const again = json(await upload(t.owner, 'conversions', good), 200);
    expect(again).toMatchObject({ imported: 0, existing: 2 });
    const after = await tableCounts(t.database);
    expect({ ...after, audit_events: 0 }).toEqual({ ...before, audit_events: 0 });
    // Same event id with other data: events are immutable.
    const changed = json(
      await upload(
        t.owner,
        'conversions',
        csv('externalId,source,type,referredExternalId,amount,currency', 'deal-1,crm,deal_won,cust-77,4900.00,USD'),
      ),
      200,
    );
    expect(changed.errors).toEqual([expect.objectContaining({ line: 2, field: 'amount' })]);
  });

  it('links sales that waited for their customer when the customer and the referral are imported', async () => {
    json(
      await upload(
        t.owner,
        'conversions',
        csv('externalId,source,type,referredExternalId,amount,currency', 'early-1,crm,deal_won,crm-late,250.00,USD'),
      ),
      200,
    );
    json(
      await upload(t.owner, 'participants', csv('name,externalId', 'Early Referrer,crm-ref', 'Late Customer,crm-late')),
      200,
    );
    const customer = await findByExternalId(t.owner, 'crm-late');
    const sales = json(await t.owner.get(`/v1/conversions?referredId=${customer.id}`), 200).items;
    expect(sales.map((c: { externalId: string }) => c.externalId)).toEqual(['early-1']);
    json(await upload(t.owner, 'referrals', csv('referrerExternalId,referredExternalId', 'crm-ref,crm-late')), 200);
    const rewards = json(await t.owner.get('/v1/rewards?limit=100'), 200).items;
    expect(rewards.filter((r: { referred: { id: string } }) => r.referred?.id === customer.id)).toHaveLength(1);
  });
});

describe('importing the same file twice at once', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('writes each participant, referral and conversion once, whichever import gets there first', async () => {
    const people = csv(
      'name,email,externalId',
      ...Array.from({ length: 40 }, (_, i) => `Same ${i},same${i}@example.com,same-${i}`),
    );
    const first = await Promise.all([1, 2, 3].map(() => upload(t.owner, 'participants', people)));
    const answers = first.map((response) => json(response, 200));
    expect(answers.reduce((sum, a) => sum + a.imported, 0)).toBe(40);
    expect(answers.every((a) => a.imported + a.existing === 40)).toBe(true);
    const referrals = csv(
      'referrerExternalId,referredExternalId',
      ...Array.from({ length: 39 }, (_, i) => `same-0,same-${i + 1}`),
    );
    const second = (await Promise.all([1, 2].map(() => upload(t.owner, 'referrals', referrals)))).map((r) =>
      json(r, 200),
    );
    expect(second.reduce((sum, a) => sum + a.imported, 0)).toBe(39);
    const sales = csv(
      'externalId,source,type,referredExternalId,amount,currency',
      ...Array.from({ length: 39 }, (_, i) => `sale-${i},crm,deal_won,same-${i + 1},100.00,USD`),
    );
    const third = (await Promise.all([1, 2].map(() => upload(t.owner, 'conversions', sales)))).map((r) => json(r, 200));
    expect(third.reduce((sum, a) => sum + a.imported, 0)).toBe(39);
    expect(third.every((a) => a.invalid === 0)).toBe(true);
    const counts = await tableCounts(t.database);
    expect(counts.conversions).toBe(39);
    expect(counts.rewards).toBe(39);
  });
});

describe('importing conversions the claim engine refuses', () => {
  // The service's clock is a month behind the wall clock: an event ten days after the service's
  // "now" passes the file's check (the schema: not more than a day after the wall clock) and is
  // refused by the claim engine (not more than a day after the service's clock).
  const start = new Date(Date.now() - 30 * 86_400_000);
  const tooLate = new Date(start.getTime() + 10 * 86_400_000).toISOString();
  const earlier = new Date(start.getTime() - 86_400_000).toISOString();
  const header = 'externalId,source,type,referredExternalId,amount,currency,occurredAt';
  const waiting = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}-${i},crm,deal_won,${prefix}-cust-${i},10.00,USD,${earlier}`);
  // Two sales of referred customers (claims), 900 sales waiting for their customer, and between
  // them a sale the engine refuses.
  const many = waiting('wait', 900);
  const file = csv(
    header,
    `sale-1,crm,deal_won,eng-cust-1,480.00,USD,${earlier}`,
    ...many,
    `sale-late,crm,deal_won,eng-cust-2,99.00,USD,${tooLate}`,
    `sale-2,crm,deal_won,eng-cust-2,120.00,USD,${earlier}`,
  );
  const lateLine = 2 + 1 + many.length;
  let t: TestApp;
  let customers: { id: string }[];
  beforeAll(async () => {
    t = await startTestApp({ start });
    const referrer = await newParticipant(t.owner);
    customers = [];
    for (const externalId of ['eng-cust-1', 'eng-cust-2']) {
      const customer = await newParticipant(t.owner, { externalId });
      customers.push(customer);
      json(
        await t.owner.post('/v1/referrals', { referrerId: referrer.id, referredId: customer.id, source: 'manual' }),
        201,
      );
    }
  });
  afterAll(() => t.close());

  it('imports nothing without skipInvalid when one row is refused by the engine, naming its line and field', async () => {
    const before = await tableCounts(t.database);
    const dry = json(await upload(t.owner, 'conversions', file, 'dryRun=true'), 200);
    expect(dry).toMatchObject({ rows: 903, valid: 902, invalid: 1, imported: 0, dryRun: true });
    expect(dry.errors).toEqual([
      { line: lateLine, field: 'occurredAt', message: expect.stringContaining('more than a day in the future') },
    ]);
    expect(await tableCounts(t.database)).toEqual(before);
    const refused = json(await upload(t.owner, 'conversions', file), 200);
    expect(refused).toMatchObject({ rows: 903, valid: 902, invalid: 1, imported: 0, existing: 0, dryRun: false });
    expect(refused.errors).toEqual(dry.errors);
    // Nothing at all: no conversion, claim, audit event, webhook delivery or message of the import.
    expect(await tableCounts(t.database)).toEqual(before);
    expect(json(await t.owner.get('/v1/conversions?limit=100'), 200).items).toEqual([]);
    expect(json(await t.owner.get('/v1/rewards?limit=100'), 200).items).toEqual([]);
    for (const action of ['reward.created', 'conversion.recorded', 'import.completed']) {
      expect(json(await t.owner.get(`/v1/audit-events?action=${action}&limit=100`), 200).items).toEqual([]);
    }
  });

  it('with skipInvalid imports every other row, and the same file again imports nothing new', async () => {
    const first = json(await upload(t.owner, 'conversions', file, 'skipInvalid=true'), 200);
    expect(first).toMatchObject({ rows: 903, valid: 902, invalid: 1, imported: 902, existing: 0 });
    expect(first.errors).toEqual([expect.objectContaining({ line: lateLine, field: 'occurredAt' })]);
    const rewards = json(await t.owner.get('/v1/rewards?limit=100'), 200).items;
    expect(rewards.map((r: { referred: { id: string } }) => r.referred.id).sort()).toEqual(
      customers.map((c) => c.id).sort(),
    );
    expect(json(await t.owner.get('/v1/audit-events?action=reward.created&limit=100'), 200).items).toHaveLength(2);
    for (const [customer, sale] of [
      [customers[0], 'sale-1'],
      [customers[1], 'sale-2'],
    ] as const) {
      const theirs = json(await t.owner.get(`/v1/conversions?referredId=${customer?.id}`), 200).items;
      expect(theirs.map((c: { externalId: string }) => c.externalId)).toEqual([sale]);
    }
    const imports = json(await t.owner.get('/v1/audit-events?action=import.completed&limit=100'), 200).items;
    expect(imports).toEqual([
      expect.objectContaining({ after: expect.objectContaining({ kind: 'conversions', imported: 902, invalid: 1 }) }),
    ]);
    const before = await tableCounts(t.database);
    expect(before.conversions).toBe(902);
    const again = json(await upload(t.owner, 'conversions', file, 'skipInvalid=true'), 200);
    expect(again).toMatchObject({ rows: 903, valid: 902, invalid: 1, imported: 0, existing: 902 });
    const after = await tableCounts(t.database);
    expect({ ...after, audit_events: 0 }).toEqual({ ...before, audit_events: 0 });
  });

  it('in a file of more than a thousand, keeps the thousands before the refused row and stops there', async () => {
    // One transaction per thousand events: the engine's locks of a whole file do not fit the
    // database's lock table. The thousand with the refused row and everything after it are not imported.
    const long = csv(
      header,
      ...waiting('long', 1000),
      `long-late,crm,deal_won,x,1.00,USD,${tooLate}`,
      ...waiting('after', 5),
    );
    const before = await tableCounts(t.database);
    const result = json(await upload(t.owner, 'conversions', long), 200);
    expect(result).toMatchObject({ rows: 1006, valid: 1005, invalid: 1, imported: 1000 });
    expect(result.errors).toEqual([expect.objectContaining({ line: 1002, field: 'occurredAt' })]);
    expect(grew(await tableCounts(t.database), before, 'conversions')).toBe(1000);
  });
});
