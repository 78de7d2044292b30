import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFulfilmentJob, type FulfilmentJob } from '../../src/fulfilment/index.js';
import { packageRoot } from '../../src/shared/paths.js';
import { type Api, createTestUser, json, newClaim, startTestApp, type TestApp } from '../support/app.js';

/**
 * The Failed lane, credits and codes in a real browser (Debian's Chromium through
 * playwright-core): a gift card Tremendous refused waits in Rewards → Failed with the reason and
 * is retried from there (or sent by hand); a referrer's page shows their credit and codes; the
 * code pool and the Tremendous connection in Settings. Screens are photographed into
 * test-results/screenshots and checked with axe-core.
 */
const SHOTS = join(packageRoot, 'test-results', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const API_KEY = 'TEST_tremendous_browser_key_0123456789';

async function hasText(locator: Locator, text: string) {
  await expect
    .poll(async () => (await locator.count()) > 0 && (await locator.first().textContent()), { timeout: 10_000 })
    .toContain(text);
}

async function visible(locator: Locator) {
  await locator.first().waitFor({ state: 'visible', timeout: 10_000 });
}

/** A Tremendous stand-in: refuses with 402 until funded, then executes orders (one per external id). */
function tremendousStandIn() {
  const state = { funded: false, orders: new Map<string, string>() };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== `Bearer ${API_KEY}`) {
        res.writeHead(401).end(JSON.stringify({ errors: { message: 'Invalid API key' } }));
        return;
      }
      const body = JSON.parse(raw || '{}');
      const known = state.orders.get(body.external_id);
      if (known) {
        res
          .writeHead(201)
          .end(JSON.stringify({ order: { id: known, external_id: body.external_id, status: 'EXECUTED' } }));
        return;
      }
      if (!state.funded) {
        res
          .writeHead(402)
          .end(JSON.stringify({ errors: { message: 'Not enough funds in your account', payload: {} } }));
        return;
      }
      const id = `ORD-${state.orders.size + 1}`;
      state.orders.set(body.external_id, id);
      res.writeHead(200).end(JSON.stringify({ order: { id, external_id: body.external_id, status: 'EXECUTED' } }));
    });
  });
  return { server, state };
}

describe('the Failed lane, credits and codes in the web app', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let finance: Api;
  let job: FulfilmentJob;
  const tremendous = tremendousStandIn();
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    t = await startTestApp({ start: new Date() });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    finance = await t.as('finance', 'Fiona Finance');
    await createTestUser(t, 'olivia@example.com', 'owner password 1', 'owner');
    await new Promise<void>((resolve) => tremendous.server.listen(0, '127.0.0.1', resolve));
    const standIn = tremendous.server.address();
    const apiUrl = `http://127.0.0.1:${typeof standIn === 'object' && standIn ? standIn.port : 0}`;
    json(
      await t.owner.put('/v1/integrations/tremendous', {
        apiKey: API_KEY,
        campaignId: 'CAMPAIGN1',
        fundingSourceId: 'BALANCE',
        apiUrl,
      }),
      200,
    );
    job = createFulfilmentJob({
      db: t.database.db,
      clock: t.clock,
      publicUrl: 'http://rewardloop.test',
      secretKey: t.secretKey,
    });
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
    tremendous.server.close();
    await t?.close();
  });

  async function signIn(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.on('console', (message) => {
      if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) pageErrors.push(message.text());
    });
    context.on('weberror', (error) => pageErrors.push(`uncaught: ${error.error().message}`));
    const page = await context.newPage();
    await page.goto(base);
    await page.getByLabel('Email').fill('olivia@example.com');
    await page.getByLabel('Password').fill('owner password 1');
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

  async function refusedGiftCard(referrerName: string) {
    const claim = await newClaim(t.owner, { referrer: { name: referrerName } });
    json(await finance.post(`/v1/rewards/${claim.reward.id}/approve`, {}), 200);
    await job.runOnce();
    expect(json(await t.owner.get(`/v1/rewards/${claim.reward.id}`), 200).status).toBe('failed');
    return claim;
  }

  it('shows a refused gift card in the Failed lane with the reason, and retries it from there', async () => {
    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'gift_card',
        amount: 2500,
        currency: 'USD',
        autoFulfil: true,
      }),
      200,
    );
    const retried = await refusedGiftCard('Rita Retry');
    const byHand = await refusedGiftCard('Hank Byhand');
    const page = await signIn();
    await page.getByRole('tab', { name: /Failed/ }).click();
    const card = page.getByRole('article', { name: `Reward for ${retried.referred.name}` });
    await hasText(card, 'Not enough funds in your account');
    await visible(card.getByRole('button', { name: 'Retry the order' }));
    await screen(page, 'fulfilment-01-failed-lane');

    // Funds added at Tremendous: retry puts it back in the provider's hands.
    tremendous.state.funded = true;
    await card.getByRole('button', { name: 'Retry the order' }).click();
    await expect.poll(() => card.count(), { timeout: 10_000 }).toBe(0);
    await page.getByRole('tab', { name: /^Pending/ }).click();
    const pending = page.getByRole('article', { name: `Reward for ${retried.referred.name}` });
    await hasText(pending, 'Ordering from Tremendous');
    expect(await pending.getByRole('button', { name: 'Mark reward sent' }).count()).toBe(0);
    await job.runOnce();
    const sent = json(await t.owner.get(`/v1/rewards/${retried.reward.id}`), 200);
    expect(sent).toMatchObject({ status: 'sent', sentReference: tremendous.state.orders.get(retried.reward.id) });

    // The other one is fulfilled by hand: bought at the shop, marked sent with a reference.
    await page.getByRole('tab', { name: /Failed/ }).click();
    const other = page.getByRole('article', { name: `Reward for ${byHand.referred.name}` });
    await other.getByLabel('Reference').fill('Bought at the shop, receipt 881');
    await other.getByRole('button', { name: 'Mark sent by hand' }).click();
    await expect.poll(() => other.count(), { timeout: 10_000 }).toBe(0);
    expect(json(await t.owner.get(`/v1/rewards/${byHand.reward.id}`), 200)).toMatchObject({
      status: 'sent',
      sentReference: 'Bought at the shop, receipt 881',
    });
    await visible(page.getByText('No failed fulfilments'));
  });

  it("shows a referrer's credit and discount codes on their page", async () => {
    json(await t.owner.put('/v1/reward-policy', { rewardType: 'account_credit', amount: 5000, currency: 'USD' }), 200);
    const credit = await newClaim(t.owner, { referrer: { name: 'Cora Credit' } });
    json(await finance.post(`/v1/rewards/${credit.reward.id}/approve`, {}), 200);
    json(await t.owner.post(`/v1/rewards/${credit.reward.id}/mark-sent`, {}), 200);
    json(
      await finance.post(`/v1/participants/${credit.referrer.id}/credits/redeem`, {
        amount: 1250,
        currency: 'USD',
        reference: 'INV-3001',
      }),
      201,
    );
    // Her next referral pays a discount code.
    json(
      await t.owner.put('/v1/reward-policy', {
        rewardType: 'discount_code',
        discountPercent: 20,
        currency: 'USD',
        codePrefix: 'CORA-',
      }),
      200,
    );
    const referred = json(await t.owner.post('/v1/participants', { name: 'Second Customer' }), 201);
    json(
      await t.owner.post('/v1/referrals', {
        referrerId: credit.referrer.id,
        referredId: referred.id,
        source: 'manual',
      }),
      201,
    );
    const claim = json(
      await t.owner.post('/v1/conversions', {
        externalId: `web-code-${referred.id}`,
        type: 'deal_won',
        referredId: referred.id,
        amount: 100_000,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    const code = json(await finance.post(`/v1/rewards/${claim.id}/approve`, {}), 200).code as string;
    expect(code).toMatch(/^CORA-/);

    const page = await signIn();
    await page.goto(`${base}/participants/${credit.referrer.id}`);
    const credits = page.getByRole('region', { name: 'Account credit' });
    await hasText(credits, '37.50');
    await hasText(credits, 'Redeemed');
    await hasText(credits, 'INV-3001');
    const codes = page.getByRole('region', { name: 'Discount codes' });
    await hasText(codes, code);
    await hasText(codes, 'Issued');
    await screen(page, 'fulfilment-02-participant-credit-and-codes');
  });

  it('uploads codes to the pool in Settings and shows Tremendous connected', async () => {
    const page = await signIn();
    await page.goto(`${base}/settings/discount-codes`);
    const upload = page.getByRole('form', { name: 'Upload codes' });
    await upload.getByLabel(/One code a line/).fill('POOL-A1\nPOOL-B2\nPOOL-A1');
    await upload.getByRole('button', { name: 'Add to the pool' }).click();
    await hasText(upload.getByRole('alert'), 'line 3: POOL-A1 is already on line 1.');
    await upload.getByLabel(/One code a line/).fill('POOL-A1\nPOOL-B2\nPOOL-C3,2030-12-31');
    await upload.getByRole('button', { name: 'Add to the pool' }).click();
    await hasText(upload, 'Added 3 codes');
    await hasText(page.getByRole('region', { name: 'Code pool' }), 'Codes left 3');
    await screen(page, 'fulfilment-03-code-pool');

    await page.goto(`${base}/settings/integrations`);
    const card = page.getByRole('region', { name: 'Tremendous' });
    await hasText(card, 'Connected with key');
    await screen(page, 'fulfilment-04-tremendous');
  });
});
