import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/shared/paths.js';
import {
  type Api,
  createTestUser,
  json,
  newParticipant,
  newReferral,
  startTestApp,
  type TestApp,
} from '../support/app.js';

/**
 * Finance's payout run in a real browser (Debian's Chromium through playwright-core): Olivia
 * drafts the batch and may not approve it, Fiona approves it, downloads the files and marks it
 * paid; the tax report, a payee's tax form and the payout settings. Screens are photographed into
 * test-results/screenshots and checked with axe-core.
 */
const SHOTS = join(packageRoot, 'test-results', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function hasText(locator: Locator, text: string) {
  await expect
    .poll(async () => (await locator.count()) > 0 && (await locator.first().textContent()), { timeout: 10_000 })
    .toContain(text);
}

async function visible(locator: Locator) {
  await locator.first().waitFor({ state: 'visible', timeout: 10_000 });
}

describe('the Payouts screen', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let approver: Api;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    t = await startTestApp({ start: new Date() });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    approver = await t.as('finance', 'Claims Approver');
    await createTestUser(t, 'olivia@example.com', 'owner password 1', 'owner');
    await createTestUser(t, 'fiona@example.com', 'finance password 1', 'finance');
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'gift_card', amount: 5000, currency: 'USD' }), 200);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'],
    });
  });
  afterEach(() => {
    expect(pageErrors.splice(0), 'uncaught errors and console errors in the page').toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signIn(email: string, password: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    context.on('console', (message) => {
      if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) pageErrors.push(message.text());
    });
    context.on('weberror', (error) => pageErrors.push(`uncaught: ${error.error().message}`));
    const page = await context.newPage();
    await page.goto(base);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Rewards' }).waitFor();
    return page;
  }

  /** Photographed, and axe-core (WCAG 2.1 A and AA) finds nothing serious or critical. */
  async function screen(page: Page, name: string) {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(
      async (tags) =>
        (
          await (
            window as unknown as {
              axe: {
                run(
                  context: Document,
                  options: unknown,
                ): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }>;
              };
            }
          ).axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
        ).violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          targets: v.nodes.map((n) => JSON.stringify(n.target)),
        })),
      WCAG_21_AA,
    );
    const severe = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect.soft(severe, `axe-core on ${name}`).toEqual([]);
  }

  async function approvedReward(payee: { id: string }) {
    const referred = await newParticipant(t.owner);
    await newReferral(t.owner, payee.id, referred.id);
    const reward = json(
      await t.owner.post('/v1/conversions', {
        externalId: `web-sale-${referred.id}`,
        type: 'deal_won',
        referredId: referred.id,
        amount: 100_000,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    json(await approver.post(`/v1/rewards/${reward.id}/approve`, {}), 200);
    return { id: reward.id as string, referredName: referred.name as string };
  }

  it('drafts, is approved by a second person, exports and is marked paid', async () => {
    const jess = await newParticipant(t.owner, { name: 'Jessica Alvarez', email: 'jessica@example.com' });
    const ray = await newParticipant(t.owner, { name: 'Ray Referrer', email: 'ray@example.com' });
    const rewards = [await approvedReward(jess), await approvedReward(jess), await approvedReward(ray)];

    // Olivia drafts it, and the screen says she may not approve her own batch.
    const olivia = await signIn('olivia@example.com', 'owner password 1');
    await olivia.getByRole('link', { name: 'Payouts' }).click();
    await olivia.getByRole('heading', { name: 'Payouts' }).waitFor();
    await olivia.getByRole('button', { name: 'Draft a batch' }).click();
    const form = olivia.getByRole('form', { name: 'Draft a payout batch' });
    await form.getByLabel('Note (optional)').fill('March payouts');
    await form.getByRole('button', { name: 'Draft batch' }).click();
    await olivia.getByRole('heading', { name: /Payout batch · 150\.00 USD/ }).waitFor();
    const checks = olivia.getByRole('region', { name: 'Maker-checker' });
    await hasText(checks, 'olivia');
    await hasText(checks, 'You cannot approve this batch: You drafted this batch');
    expect(await checks.getByRole('button', { name: /Approve/ }).count()).toBe(0);
    const lines = olivia.getByRole('region', { name: 'Lines' });
    await hasText(lines, 'Jessica Alvarez');
    await hasText(lines, '100.00');
    await screen(olivia, 'payouts-01-draft-maker');
    const batchUrl = olivia.url();
    // In the queue, a reward the batch holds is paid with it, not marked sent alone.
    await olivia.getByRole('link', { name: 'Rewards' }).click();
    await olivia.getByRole('tab', { name: /^Pending/ }).click();
    const card = olivia.getByRole('article', { name: `Reward for ${rewards[2]?.referredName}` });
    await hasText(card, 'In a payout batch (draft)');
    expect(await card.getByRole('button', { name: 'Mark reward sent' }).count()).toBe(0);

    // Fiona, a second person, approves, downloads the PayPal file and records the payment.
    const fiona = await signIn('fiona@example.com', 'finance password 1');
    await fiona.goto(batchUrl);
    const fionaChecks = fiona.getByRole('region', { name: 'Maker-checker' });
    await fionaChecks.getByLabel('Approval note').fill('Checked against the bank file');
    await fionaChecks.getByRole('button', { name: 'Approve batch' }).click();
    await hasText(fiona.locator('.page-head'), 'Approved');
    await hasText(fionaChecks, 'matches what was approved');
    await hasText(fionaChecks, 'Checked against the bank file');
    const pay = fiona.getByRole('region', { name: 'Export and pay' });
    const [download] = await Promise.all([
      fiona.waitForEvent('download'),
      pay.getByRole('link', { name: 'PayPal Payouts file' }).click(),
    ]);
    const file = readFileSync((await download.path()) ?? '', 'utf8');
    expect(file).toContain('jessica@example.com,100.00,USD');
    expect(file).toContain('ray@example.com,50.00,USD');
    await screen(fiona, 'payouts-02-approved');
    await pay.getByLabel(/Payment reference/).fill('PAYPAL-BATCH-2026-03');
    await pay.getByRole('button', { name: 'Mark paid' }).click();
    await hasText(pay, 'reference PAYPAL-BATCH-2026-03');
    await screen(fiona, 'payouts-03-paid');
    for (const reward of rewards) {
      expect(json(await t.owner.get(`/v1/rewards/${reward.id}`), 200)).toMatchObject({
        status: 'sent',
        sentReference: 'PAYPAL-BATCH-2026-03',
      });
    }
    await fiona.goto(`${base}/payouts`);
    await hasText(fiona.locator('table'), 'Paid');

    // The tax report lists the year's payees; Jessica's form is recorded on her page.
    await fiona.getByRole('link', { name: 'Tax report' }).click();
    const report = fiona.locator('table');
    await hasText(report, 'Jessica Alvarez');
    await hasText(report, 'None on file');
    await screen(fiona, 'payouts-04-tax-report');
    await fiona.goto(`${base}/participants/${jess.id}`);
    const tax = fiona.getByRole('region', { name: 'Tax form' });
    await hasText(tax, 'Paid this year 100.00 USD');
    await tax.getByLabel('Tax form type').selectOption('W-8BEN');
    await tax.getByRole('button', { name: 'Record form' }).click();
    await hasText(tax, 'W-8BEN, received');
    await hasText(fiona.getByRole('region', { name: 'Lifetime value' }), 'Rewards paid');
    await screen(fiona, 'payouts-05-participant-tax-form');
  });

  it('sets the payout day and the tax threshold in Settings → Program rules', async () => {
    const olivia = await signIn('olivia@example.com', 'owner password 1');
    await olivia.goto(`${base}/settings/rules`);
    const rules = olivia.getByRole('form', { name: 'Program rules' });
    await visible(rules.getByLabel('Payout day of the month'));
    expect(await rules.getByLabel('Tax threshold per payee a year').inputValue()).toBe('2000.00');
    await rules.getByLabel('Payout day of the month').fill('28');
    await rules.getByLabel('Tax threshold per payee a year').fill('600');
    await rules.getByRole('button', { name: /Save/ }).click();
    await expect
      .poll(async () => json(await t.owner.get('/v1/program-rules'), 200), { timeout: 10_000 })
      .toMatchObject({ payoutDayOfMonth: 28, taxThreshold: { amount: 60_000, currency: 'USD' } });
    await screen(olivia, 'payouts-06-settings-rules');
  });
});
