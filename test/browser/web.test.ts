import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../../src/db/schema.js';
import { newId } from '../../src/shared/ids.js';
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
 * The web app in a real browser (Debian's Chromium through playwright-core), served by the same
 * process as the API. Every screen is photographed into test-results/screenshots for a person
 * to look at.
 */
/** Waits (up to 10 s) for a locator's text to contain `text`. */
async function hasText(locator: Locator, text: string) {
  await expect
    .poll(async () => (await locator.count()) > 0 && (await locator.first().textContent()), { timeout: 10_000 })
    .toContain(text);
}

async function visible(locator: Locator) {
  await locator.first().waitFor({ state: 'visible', timeout: 10_000 });
}

async function gone(locator: Locator) {
  await expect.poll(() => locator.count(), { timeout: 10_000 }).toBe(0);
}

async function enabled(locator: Locator, on: boolean) {
  await visible(locator);
  await expect.poll(() => locator.isEnabled(), { timeout: 10_000 }).toBe(on);
}

/** The app shows these answers to the person (a wrong password, a session that ended); Chromium logs them. */
function expectedRefusal(text: string): boolean {
  return /Failed to load resource: the server responded with a status of 4\d\d/.test(text);
}

const SHOTS = join(packageRoot, 'test-results', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// axe-core's source, put into each page by the test itself (no network).
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

describe('the web app', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let finance: Api;
  const cspViolations: string[] = [];
  // Uncaught exceptions and console errors of every page, collected from its first navigation.
  const pageErrors: string[] = [];
  // Every screen's axe-core findings (all impacts), written to test-results/axe.json for a person to read.
  const axeResults: Record<string, { id: string; impact: string | null; nodes: number }[]> = {};

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    t = await startTestApp({ start: new Date() });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    finance = await t.as('finance', 'Fiona Finance');
    await createTestUser(t, 'olivia@example.com', 'owner password 1', 'owner');
    await createTestUser(t, 'fiona@example.com', 'finance password 1', 'finance');
    await createTestUser(t, 'vic@example.com', 'viewer password 1', 'viewer');
    json(await t.owner.patch('/v1/workspace', { senderName: 'Olivia Owner', companyName: 'Acme Realty' }), 200);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-gpu',
        '--no-first-run',
      ],
    });
    // Every page of every test reports what the Content-Security-Policy blocked (the last test
    // checks that nothing was): Chromium's console message and the DOM's violation event.
    const newContext = browser.newContext.bind(browser);
    browser.newContext = async (options) => {
      const context = await newContext(options);
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) =>
          console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`),
        );
      });
      context.on('console', (message) => {
        if (/Content Security Policy|CSP violation/i.test(message.text())) {
          cspViolations.push(`${message.location().url}: ${message.text()}`);
        } else if (message.type() === 'error' && !expectedRefusal(message.text())) {
          pageErrors.push(`${message.location().url}: ${message.text()}`);
        }
      });
      context.on('weberror', (error) => pageErrors.push(`uncaught: ${error.error().message}`));
      return context;
    };
  });
  afterEach(() => {
    expect(pageErrors.splice(0), 'uncaught errors and console errors in the page').toEqual([]);
  });
  afterAll(async () => {
    writeFileSync(join(packageRoot, 'test-results', 'axe.json'), `${JSON.stringify(axeResults, null, 2)}\n`);
    await browser?.close();
    await t?.close();
  });

  async function signIn(email: string, password: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(base);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Rewards' }).waitFor();
    return page;
  }

  /** A link in the main navigation (pages may link to the same place elsewhere). */
  const nav = (page: Page, name: string | RegExp) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /**
   * axe-core on the page as it is now (WCAG 2.1 A and AA rules); a serious or critical violation
   * fails the test, softly, so one run names every screen that has one.
   */
  async function checkA11y(page: Page, name: string) {
    // Not addScriptTag({ content }): the app's CSP (script-src 'self') refuses an inline script, as
    // it should. Evaluating through the DevTools protocol needs no network and no loosened policy.
    await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(
      async (tags) =>
        (
          await (
            window as unknown as {
              axe: { run(context: Document, options: unknown): Promise<{ violations: AxeViolation[] }> };
            }
          ).axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
        ).violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map((node) => ({ target: node.target, failureSummary: node.failureSummary })),
        })),
      WCAG_21_AA,
    );
    axeResults[name] = violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
    const severe = violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
    expect.soft(severe, `axe-core on ${name}`).toEqual([]);
  }

  /** A screen as a person sees it: photographed, and checked for accessibility. */
  async function screen(page: Page, name: string) {
    await shot(page, name);
    await checkA11y(page, name);
  }

  /** A referral converted and approved by finance: a reward in the Pending queue. */
  async function pendingReward(referrer: Record<string, unknown>, referredName: string) {
    const jess = await newParticipant(t.owner, referrer);
    const customer = await newParticipant(t.owner, { name: referredName });
    await newReferral(t.owner, jess.id, customer.id, {
      evidence: { note: `${referredName} said ${referrer.name} sent them` },
    });
    const claim = json(
      await t.owner.post('/v1/conversions', {
        externalId: `web-${customer.id}`,
        type: 'deal_won',
        referredId: customer.id,
        amount: 480_000,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    json(await finance.post(`/v1/rewards/${claim.id}/approve`, { note: 'Deal confirmed in the CRM' }), 200);
    return claim;
  }

  it('signs in, and refuses a wrong password with a clear message', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(base);
    await screen(page, '01-sign-in');
    await page.getByLabel('Email').fill('olivia@example.com');
    await page.getByLabel('Password').fill('not it');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await hasText(page.getByRole('alert'), 'Email or password is not right.');
    await page.getByLabel('Password').fill('owner password 1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Rewards' }).waitFor();
    await visible(page.getByText('Nothing to send right now'));
    await screen(page, '02-rewards-empty');
    await context.close();
  });

  it('edits the reward policy: saving makes a new version', async () => {
    const page = await signIn('olivia@example.com', 'owner password 1');
    const card = page.getByRole('region', { name: 'Reward policy' });
    await card.getByRole('button', { name: 'Edit policy' }).click();
    await card.getByLabel('Reward value').fill('50.00');
    await card.getByLabel('Provider (optional)').fill('Tremendous');
    await card.getByLabel('Thank-you channel').selectOption('email_and_sms');
    await card.getByRole('button', { name: 'Add tier' }).click();
    await card.getByLabel('Tier 1 from referral').fill('3');
    await card.getByLabel('Tier 1 amount').fill('100.00');
    await card.getByRole('button', { name: 'Save policy' }).click();
    await hasText(page.getByRole('status'), 'Policy saved as version');
    await visible(card.getByText('Gift card, 50.00 USD via Tremendous; 100.00 USD from the 3rd referral'));
    const policy = json(await t.owner.get('/v1/reward-policy'), 200);
    expect(policy).toMatchObject({
      amount: 5000,
      provider: 'Tremendous',
      thankChannel: 'email_and_sms',
      tiers: [{ fromReferral: 3, amount: 10_000 }],
    });
    await screen(page, '03-policy-saved');
    await page.context().close();
  });

  it('edits milestone bonuses and the referred person’s reward, and keeps them when saved again', async () => {
    const before = json(await t.owner.get('/v1/reward-policy'), 200);
    const { version: _v, summary: _s, createdBy: _c, createdAt: _a, programId: _p, ...restore } = before;
    const page = await signIn('olivia@example.com', 'owner password 1');
    try {
      const card = page.getByRole('region', { name: 'Reward policy' });
      await card.getByRole('button', { name: 'Edit policy' }).click();
      await card.getByRole('button', { name: 'Add milestone' }).click();
      await card.getByLabel('Milestone 1 at referral').fill('5');
      await card.getByLabel('Milestone 1 bonus').fill('200.00');
      await card.getByLabel("Referred person's reward", { exact: true }).selectOption('account_credit');
      await card.getByLabel("Referred person's reward amount").fill('20.00');
      await card.getByLabel('When the referred person is rewarded').selectOption('lead');
      await card.getByRole('button', { name: 'Save policy' }).click();
      await hasText(page.getByRole('status'), 'Policy saved as version');
      await visible(
        card.getByText(
          'a 200.00 USD bonus at the 5th referral; the referred person gets a 20.00 USD account credit when they sign up',
          { exact: false },
        ),
      );
      expect(json(await t.owner.get('/v1/reward-policy'), 200)).toMatchObject({
        milestones: [{ atReferral: 5, amount: 20_000 }],
        referredReward: { rewardType: 'account_credit', amount: 2000, when: 'lead' },
      });
      // Opened and saved again untouched: nothing is dropped, nothing changes.
      await card.getByRole('button', { name: 'Edit policy' }).click();
      await card.getByRole('button', { name: 'Save policy' }).click();
      await hasText(page.getByRole('status'), 'No change to save');
      // A bonus that is not above zero is named at its field, and nothing is saved.
      await card.getByRole('button', { name: 'Edit policy' }).click();
      await card.getByLabel('Milestone 1 bonus').fill('0');
      await card.getByRole('button', { name: 'Save policy' }).click();
      await visible(card.getByText('A bonus needs an amount above 0', { exact: false }).first());
      await screen(page, '03b-policy-extras');
    } finally {
      // The tests after this one expect claims without bonuses or referred rewards.
      await page.context().close();
      json(await t.owner.put('/v1/reward-policy', restore), 200);
    }
  });

  it('shows a pending reward, marks it sent, and shows it under Sent with its date and thank-you outcome', async () => {
    const claim = await pendingReward(
      { name: 'Jessica Alvarez', email: 'jessica@example.com', phone: '+14155550142', emailMarketingConsent: true },
      'Sam Lee',
    );
    const page = await signIn('olivia@example.com', 'owner password 1');
    const card = page.getByRole('article', { name: 'Reward for Sam Lee' });
    await hasText(card, 'referred by Jessica Alvarez');
    await hasText(card, 'Gift card, 50.00 USD via Tremendous');
    await hasText(card, 'Deal confirmed in the CRM');
    await hasText(page.getByRole('tab', { name: /Pending/ }), '1');
    await screen(page, '04-rewards-pending');

    await card.getByLabel('Reference').fill('TREM-4471');
    await card.getByRole('button', { name: 'Mark reward sent' }).click();
    await hasText(page.getByRole('status'), 'Marked sent');
    await gone(page.getByRole('article', { name: 'Reward for Sam Lee' }));
    await page.getByRole('tab', { name: /Sent/ }).click();
    const sent = page.getByRole('article', { name: 'Reward for Sam Lee' });
    const today = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' }).format(
      new Date(),
    );
    await hasText(sent, `Sent ${today}`);
    await hasText(sent, 'ref TREM-4471');
    const outcome = sent.getByLabel('Thank-you outcome');
    await hasText(outcome, 'Email: queued');
    await hasText(outcome, 'SMS: skipped (no consent)');
    await screen(page, '05-rewards-sent');

    await sent.getByRole('link', { name: 'Details →' }).click();
    await visible(page.getByRole('heading', { name: /Gift card, 50.00 USD/ }));
    await visible(page.getByText('Thank you queued'));
    await screen(page, '06-reward-detail');
    expect(json(await t.owner.get(`/v1/rewards/${claim.id}`), 200).status).toBe('sent');
    await page.context().close();
  });

  it('approves a flagged claim after its flag is resolved', async () => {
    const jess = await newParticipant(t.owner, { name: 'Pat Same-Phone', phone: '+14155550100' });
    const customer = await newParticipant(t.owner, { name: 'Riley Same-Phone', phone: '(415) 555-0100' });
    await newReferral(t.owner, jess.id, customer.id);
    const claim = json(
      await t.owner.post('/v1/conversions', {
        externalId: 'web-flagged',
        type: 'deal_won',
        referredId: customer.id,
        amount: 90_000,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
    expect(claim.flags[0].type).toBe('self_referral');

    const page = await signIn('fiona@example.com', 'finance password 1');
    await nav(page, /Approvals/).click();
    const card = page.getByRole('article', { name: 'Claim for Riley Same-Phone' });
    await hasText(card, 'Self-referral');
    await hasText(card, 'look like the same person');
    await enabled(card.getByRole('button', { name: 'Approve' }), false);
    await hasText(card, 'Cannot approve yet');
    await screen(page, '07-approvals-flagged');

    await card
      .getByLabel('Resolution for Self-referral')
      .fill('Landlord and tenant share the office line; checked by phone');
    await card.getByRole('button', { name: 'Resolve flag' }).click();
    await hasText(page.getByRole('status'), 'Flag resolved');
    await enabled(card.getByRole('button', { name: 'Approve' }), true);
    await card.getByLabel('Approval note').fill('Checked');
    await card.getByRole('button', { name: 'Approve' }).click();
    await hasText(page.getByRole('status'), 'Approved');
    await gone(page.getByRole('article', { name: 'Claim for Riley Same-Phone' }));
    const after = json(await t.owner.get(`/v1/rewards/${claim.id}`), 200);
    expect(after.status).toBe('pending');
    expect(after.flags[0]).toMatchObject({ resolved: true, resolvedBy: 'fiona' });
    await page.context().close();
  });

  it('refuses approval to a viewer', async () => {
    const { id } = json(await t.owner.get('/v1/rewards?status=in_review'), 200).items[0] ?? (await pendingInReview());
    const page = await signIn('vic@example.com', 'viewer password 1');
    await gone(page.getByRole('button', { name: 'Mark reward sent' }));
    await gone(page.getByRole('button', { name: 'Edit policy' }));
    await nav(page, /Approvals/).click();
    await visible(page.getByText('Approvals are for finance and the program owner'));
    await screen(page, '08-approvals-viewer');
    const status = await page.evaluate(async (rewardId) => {
      const response = await fetch(`/v1/rewards/${rewardId}/approve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      return response.status;
    }, id);
    expect(status).toBe(403);
    // Settings shows a viewer what is set, not who has access, and changes nothing.
    await nav(page, 'Settings').click();
    const settingsNav = page.getByRole('navigation', { name: 'Settings' });
    await visible(settingsNav.getByRole('link', { name: 'Program rules' }));
    await gone(settingsNav.getByRole('link', { name: 'Users' }));
    await gone(settingsNav.getByRole('link', { name: 'API keys' }));
    await gone(settingsNav.getByRole('link', { name: 'Integrations' }));
    await gone(settingsNav.getByRole('link', { name: 'Webhooks' }));
    await visible(page.getByText('Only the owner can change the rules.'));
    await enabled(page.getByLabel('Hold period (days)'), false);
    await page.context().close();
  });

  it('checks a form with the API’s own input schema and says what is wrong beside the field', async () => {
    const before = json(await t.owner.get('/v1/program-rules'), 200);
    const page = await signIn('olivia@example.com', 'owner password 1');
    await page.goto(`${base}/settings/rules`);
    const form = page.getByRole('form', { name: 'Program rules' });
    for (const type of ['Deal won', 'Job invoiced', 'Invoice paid']) {
      const box = form.getByRole('checkbox', { name: type });
      if (await box.isChecked()) await box.uncheck();
    }
    await form.getByLabel('Hold period (days)').fill('400');
    await form.getByRole('button', { name: 'Save rules' }).click();
    await hasText(form.getByRole('group', { name: 'Qualifying events' }), 'At least one conversion type must qualify.');
    await hasText(form.locator('label', { hasText: 'Hold period (days)' }), 'At most 365 days.');
    await hasText(form.getByRole('alert'), 'Check the marked fields.');
    await screen(page, '18-settings-rules-issues');
    // Refused before sending: the rules are as they were.
    expect(json(await t.owner.get('/v1/program-rules'), 200).version).toBe(before.version);

    await page.goto(base);
    const card = page.getByRole('region', { name: 'Reward policy' });
    await card.getByRole('button', { name: 'Edit policy' }).click();
    await card.getByLabel('Reward type').selectOption('custom');
    await card.getByRole('button', { name: 'Save policy' }).click();
    await hasText(card.locator('label', { hasText: 'Description' }), 'Describe the custom reward');
    await page.context().close();
  });

  async function pendingInReview() {
    const a = await newParticipant(t.owner);
    const b = await newParticipant(t.owner);
    await newReferral(t.owner, a.id, b.id);
    return json(
      await t.owner.post('/v1/conversions', {
        externalId: 'web-review',
        type: 'deal_won',
        referredId: b.id,
        amount: 1,
        currency: 'USD',
      }),
      201,
    ).rewards[0];
  }

  it('records a referral by hand and shows every screen without breaking', async () => {
    const page = await signIn('olivia@example.com', 'owner password 1');
    await nav(page, 'Participants').click();
    await page.getByRole('button', { name: 'Add participant' }).click();
    const form = page.getByRole('form', { name: 'Add a participant' });
    await form.getByLabel('Name', { exact: true }).fill('Morgan Newlead');
    await form.getByLabel('Email', { exact: true }).fill('morgan@example.net');
    await form.getByRole('button', { name: 'Add participant' }).click();
    await visible(page.getByRole('heading', { name: 'Morgan Newlead' }));
    const attribute = page.getByRole('form', { name: 'Attribute a referral' });
    await attribute.getByLabel('Referrer').fill('Jessica');
    await page
      .getByRole('list', { name: 'Referrer suggestions' })
      .getByRole('button', { name: /Jessica Alvarez/ })
      .click();
    await attribute.getByLabel('Evidence').fill('Morgan said Jessica sent her');
    await attribute.getByRole('button', { name: 'Record referral' }).click();
    await hasText(page.getByRole('status'), 'Jessica Alvarez referred Morgan Newlead');
    await visible(page.getByText('Morgan said Jessica sent her'));
    await screen(page, '09-participant');

    await nav(page, 'Participants').click();
    await visible(page.getByRole('cell', { name: /Jessica Alvarez/ }));
    // The toast was about the last screen: it does not follow the person here.
    await gone(page.getByRole('status'));
    await screen(page, '10-participants');
    await nav(page, 'Conversions').click();
    await visible(page.getByRole('heading', { name: 'Recent events' }));
    await screen(page, '11-conversions');
    await nav(page, 'Dashboard').click();
    await visible(page.getByText('Claims created'));
    await visible(page.getByText('Eligibility accuracy'));
    await screen(page, '12-dashboard');
    await nav(page, 'Settings').click();
    await visible(page.getByRole('form', { name: 'Program rules' }));
    await screen(page, '13-settings-rules');
    // Each section is a page of its own, reached from the settings navigation and by its URL.
    const settingsNav = page.getByRole('navigation', { name: 'Settings' });
    const sections = [
      ['Sender and notifications', '/settings/sender', page.getByRole('form', { name: 'Sender and notifications' })],
      ['Message templates', '/settings/templates', page.getByRole('region', { name: 'Message templates' })],
      ['Users', '/settings/users', page.getByRole('region', { name: 'Users' })],
      ['API keys', '/settings/api-keys', page.getByRole('region', { name: 'API keys' })],
      ['Integrations', '/settings/integrations', page.getByRole('region', { name: 'Integrations' })],
      ['Webhooks', '/settings/webhooks', page.getByRole('region', { name: 'Webhooks' })],
    ] as const;
    for (const [label, url, section] of sections) {
      await settingsNav.getByRole('link', { name: label }).click();
      await visible(section);
      expect(new URL(page.url()).pathname).toBe(url);
      await expect.poll(() => settingsNav.getByRole('link', { name: label }).getAttribute('aria-current')).toBe('page');
      await gone(page.getByRole('form', { name: 'Program rules' }));
      await screen(page, `13-settings-${url.split('/')[2]}`);
    }
    // Webhooks: an endpoint is added, its secret shown once, its deliveries listed with a Retry button.
    await page.goto(`${base}/settings/webhooks`);
    const newEndpoint = page.getByRole('form', { name: 'New webhook endpoint' });
    await newEndpoint.getByLabel('URL').fill('ftp://hooks.example.com/rewardloop');
    await newEndpoint.getByRole('button', { name: 'Add endpoint' }).click();
    await visible(newEndpoint.getByText('Must be an http or https URL.').first());
    await newEndpoint.getByLabel('URL').fill('https://hooks.example.com/rewardloop');
    await newEndpoint.getByRole('button', { name: 'Add endpoint' }).click();
    await visible(page.getByRole('status').getByText(/^whsec_/));
    await visible(page.getByRole('region', { name: 'Endpoint https://hooks.example.com/rewardloop' }));
    await screen(page, '13-settings-webhooks-created');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.goto(`${base}/settings/templates`);
    await visible(page.getByRole('region', { name: 'Message templates' }));
    await nav(page, 'Rewards').click();
    await visible(page.getByRole('heading', { name: 'Rewards' }));
    await page.context().close();
  });

  it('reads well on a phone', async () => {
    const page = await signIn('olivia@example.com', 'owner password 1', { width: 390, height: 844 });
    await page.getByRole('tab', { name: /Sent/ }).click();
    await visible(page.getByRole('article', { name: 'Reward for Sam Lee' }));
    const overflow = await page.evaluate(() => {
      const wide = [...document.querySelectorAll('body *')]
        .filter(
          (el) =>
            el.getBoundingClientRect().right > window.innerWidth + 1 &&
            !el.closest('.sidebar > a') &&
            !el.closest('.tabs > button'),
        )
        .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
      return { extra: document.documentElement.scrollWidth - window.innerWidth, wide: wide.slice(0, 5) };
    });
    expect(overflow).toEqual({ extra: 0, wide: [] });
    await screen(page, '14-phone-rewards');
    await page.context().close();
  });

  it('shows in Settings that emails are on hold because the provider refused the server’s configuration', async () => {
    // What the dispatcher leaves when the SMTP server refuses our sender (test/email-config.test.ts).
    await t.database.db.insert(messages).values({
      workspaceId: t.workspaceId,
      id: newId('message', Date.now()),
      kind: 'reward_ready',
      channel: 'email',
      status: 'held',
      toAddress: 'office@example.com',
      subject: 'A reward is ready to send',
      bodyText: 'A reward is ready to send.',
      provider: 'smtp',
      lastError: '553 Sender address rejected: not owned by you',
      createdBy: 'test',
    });
    const page = await signIn('olivia@example.com', 'owner password 1');
    await nav(page, 'Settings').click();
    await page
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'Sender and notifications' })
      .click();
    const banner = page.getByRole('alert', { name: 'Messages on hold' });
    await hasText(banner, '1 email on hold');
    await hasText(banner, '553 Sender address rejected');
    await screen(page, '17-settings-held');
    await page.context().close();
  });

  it('imports a CSV file: upload, preview with every problem by line, then import the valid rows', async () => {
    const page = await signIn('fiona@example.com', 'finance password 1');
    await nav(page, 'Import').click();
    await page.getByRole('heading', { name: 'Import', exact: true }).waitFor();
    const file = [
      'name,email,externalId,address',
      'Web Import One,web1@example.com,web-1,"1 Long Road',
      'Second line of the address"',
      'Web Import Two,not an email,web-2,',
      'Web Import Three,web3@example.com,web-3,',
    ].join('\n');
    await page
      .getByLabel('CSV file', { exact: true })
      .setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
    const problems = page.getByRole('table', { name: 'Rows with problems' });
    await visible(problems);
    await hasText(problems, 'Must be an email address.');
    expect(await problems.getByRole('row').nth(1).getByRole('cell').first().textContent()).toBe('4');
    const preview = page.getByRole('table', { name: 'The first rows of the file' });
    await hasText(preview, 'Web Import Three');
    await hasText(preview.locator('tr.import-bad-row'), 'not an email');
    const importButton = page.getByRole('button', { name: /^Import 2 participants/ });
    await enabled(importButton, false);
    await screen(page, '16-import-checked');
    await page.getByLabel(/Skip the 1 invalid row/).check();
    await enabled(importButton, true);
    await importButton.click();
    await hasText(page.getByRole('status'), '2 participants imported, 1 invalid rows skipped.');
    await screen(page, '17-import-done');
    const found = json(await t.owner.get('/v1/participants?q=web-&limit=100'), 200).items.map(
      (p: { externalId: string }) => p.externalId,
    );
    expect(found.sort()).toEqual(['web-1', 'web-3']);
    await page.context().close();
    // A viewer is not offered imports at all.
    const viewer = await signIn('vic@example.com', 'viewer password 1');
    await gone(nav(viewer, 'Import'));
    await viewer.context().close();
  });

  it('breaks no Content-Security-Policy rule: the app, the API docs, a landing page, and forbids framing', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const app = await page.goto(base);
    expect(app?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(app?.headers()['x-content-type-options']).toBe('nosniff');

    await page.goto(`${base}/docs`);
    await visible(page.locator('.swagger-ui .opblock-tag'));
    await page.locator('.swagger-ui .opblock-summary').first().click();
    await visible(page.locator('.swagger-ui .opblock-body'));
    await shot(page, '15-api-docs');

    const referrer = await newParticipant(t.owner, { name: 'Lena Landing' });
    const landing = await page.goto(referrer.referralUrl.replace(/^https?:\/\/[^/]+/, base));
    expect(landing?.status()).toBe(200);
    await visible(page.getByRole('button', { name: /./ }));
    // The inline stylesheet applied (allowed by its hash): the button is styled, not the browser default.
    const background = await page
      .getByRole('button')
      .first()
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).toBe('rgb(79, 70, 229)');
    await screen(page, '16-landing');

    await context.close();
    expect(cspViolations).toEqual([]);
  });
});
