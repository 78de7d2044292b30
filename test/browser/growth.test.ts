import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
 * The growth loop's screens in a real browser (Debian's Chromium): a referrer's own page on a
 * phone (copy button, share links, QR code, no other person's data, no CSP violation) and the
 * Leaderboard screen with the public page. Photographed into test-results/screenshots.
 */
const SHOTS = join(packageRoot, 'test-results', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('the growth loop in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let finance: Api;
  let staff: Api;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    t = await startTestApp({ start: new Date() });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    finance = await t.as('finance');
    staff = await t.as('staff');
    await createTestUser(t, 'olivia@example.com', 'owner password 1', 'owner');
    json(await t.owner.patch('/v1/workspace', { companyName: 'Bright Roofing', publicLeaderboard: true }), 200);
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
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function newPage(viewport: { width: number; height: number }) {
    const context = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) =>
        console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`),
      );
    });
    context.on('console', (message) => {
      if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(message.text());
    });
    context.on('weberror', (error) => problems.push(`uncaught: ${error.error().message}`));
    return context.newPage();
  }

  async function axe(page: Page) {
    await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async () => {
      const result = await (
        window as unknown as {
          axe: { run(d: Document, o: unknown): Promise<{ violations: { id: string; impact: string | null }[] }> };
        }
      ).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      return result.violations.map((v) => `${v.impact} ${v.id}`);
    });
    return violations.filter((v) => v.startsWith('serious') || v.startsWith('critical'));
  }

  /** A referrer with one friend who bought; the reward approved and sent. */
  async function referrerWithReward(name: string) {
    const referrer = await newParticipant(t.owner, { name, email: `${name.split(' ')[0]?.toLowerCase()}@example.com` });
    const friend = await newParticipant(t.owner, {
      name: `Friendly ${name}`,
      email: `friend.${Date.now()}@example.net`,
    });
    await newReferral(t.owner, referrer.id, friend.id);
    const result = json(
      await t.owner.post('/v1/conversions', {
        externalId: `b-${friend.id}`,
        type: 'job_invoiced',
        referredId: friend.id,
        amount: 300_000,
        currency: 'USD',
      }),
      201,
    );
    json(await finance.post(`/v1/rewards/${result.rewards[0].id}/approve`, {}), 200);
    json(await staff.post(`/v1/rewards/${result.rewards[0].id}/mark-sent`, {}), 200);
    return { referrer, friend };
  }

  it('shows a referrer their own page on a phone: copy, text, email, a QR code, and no one else', async () => {
    const { referrer, friend } = await referrerWithReward('Jessica Alvarez');
    const { pageUrl } = json(await staff.get(`/v1/participants/${referrer.id}/page`), 200);
    const page = await newPage({ width: 390, height: 844 });
    const response = await page.goto(pageUrl.replace(/^https?:\/\/[^/]+/, base));
    expect(response?.status()).toBe(200);
    await page.getByRole('heading', { name: /Hi Jessica/ }).waitFor();
    await page.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Copied' }).count(), { timeout: 5_000 }).toBe(1);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(referrer.referralUrl);
    expect(await page.getByRole('link', { name: 'Text it' }).getAttribute('href')).toMatch(/^sms:\?&body=/);
    expect(await page.getByRole('link', { name: 'Email it' }).getAttribute('href')).toMatch(/^mailto:\?subject=/);
    expect(await page.getByRole('img', { name: 'QR code of your link' }).locator('svg').count()).toBe(1);
    const body = (await page.textContent('body')) ?? '';
    expect(body).toContain('Sent to you');
    expect(body).not.toContain(friend.name);
    expect(body).not.toContain(friend.email);
    // Nothing wider than the phone, the stylesheet applied (the button is styled), axe clean.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBe(0);
    const background = await page
      .getByRole('button', { name: 'Copy' })
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).toBe('rgb(79, 70, 229)');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, '30-referrer-page-phone.png'), fullPage: true });
    await page.context().close();
    expect(problems.splice(0)).toEqual([]);
  });

  it('ranks referrers on the Leaderboard screen and shows the public page with short names only', async () => {
    const { referrer } = await referrerWithReward('Marcus Webb');
    json(await t.owner.patch(`/v1/participants/${referrer.id}`, { leaderboardOptIn: true }), 200);
    const page = await newPage({ width: 1280, height: 900 });
    await page.goto(base);
    await page.getByLabel('Email').fill('olivia@example.com');
    await page.getByLabel('Password').fill('owner password 1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Rewards' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leaderboard' }).click();
    await page.getByRole('heading', { name: 'Leaderboard' }).waitFor();
    const table = page.getByRole('table', { name: 'Leaderboard' });
    await table.waitFor();
    await expect.poll(() => table.getByRole('row').count()).toBeGreaterThanOrEqual(3);
    expect(await table.textContent()).toContain('Marcus Webb');
    expect(await table.textContent()).toContain('Shown (short name)');
    await page.getByRole('tab', { name: 'All time' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'All time' }).getAttribute('aria-selected')).toBe('true');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, '31-leaderboard.png'), fullPage: true });

    await page.getByRole('link', { name: /\/leaderboard\// }).click();
    await page.getByRole('heading', { name: /top referrers/ }).waitFor();
    const board = (await page.textContent('body')) ?? '';
    expect(board).toContain('Marcus W.');
    expect(board).not.toContain('Webb');
    expect(board).not.toContain('Jessica');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, '32-public-leaderboard.png'), fullPage: true });
    await page.context().close();
    expect(problems.splice(0)).toEqual([]);
  });

  it('sets the sending hours and the invitation rules in Settings', async () => {
    const page = await newPage({ width: 1280, height: 900 });
    await page.goto(`${base}/settings/growth`);
    await page.getByLabel('Email').fill('olivia@example.com');
    await page.getByLabel('Password').fill('owner password 1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Sending hours and public leaderboard' }).waitFor();
    await page.getByLabel(/Send invitations and thank-yous only/).check();
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByText('Must be an IANA time zone').count()).toBeGreaterThan(0);
    await page.getByLabel('Time zone').fill('America/Chicago');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(async () => json(await t.owner.get('/v1/workspace'), 200).sendWindow)
      .toEqual({ start: '09:00', end: '20:00' });
    await page.getByLabel('Lowest score that invites (1-5)').fill('5');
    await page.getByRole('button', { name: 'Save invitation rules' }).click();
    await expect.poll(async () => json(await t.owner.get('/v1/program-rules'), 200).inviteMinScore).toBe(5);
    // The rest of the rules stayed as they were.
    expect(json(await t.owner.get('/v1/program-rules'), 200).termsVersion).toBe('default-1');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, '33-settings-growth.png'), fullPage: true });
    await page.context().close();
    expect(problems.splice(0)).toEqual([]);
  });

  it('voids a wrongly logged referral from the participant page, and its reward is taken back', async () => {
    const { referrer, friend } = await referrerWithReward('Wrong Walter');
    const page = await newPage({ width: 1280, height: 900 });
    await page.goto(`${base}/participants/${referrer.id}`);
    await page.getByLabel('Email').fill('olivia@example.com');
    await page.getByLabel('Password').fill('owner password 1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Wrong Walter', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Void…' }).click();
    const form = page.getByRole('form', { name: `Void the referral of ${friend.name}` });
    await form.getByLabel('Why was it wrong?').fill('Walter never met them');
    await form.getByRole('button', { name: 'Void and take back the reward' }).click();
    await expect.poll(() => page.getByText('voided', { exact: true }).count(), { timeout: 10_000 }).toBe(1);
    const rewards = json(await t.owner.get(`/v1/rewards?limit=100`), 200).items as {
      referrer: { id: string };
      status: string;
    }[];
    expect(rewards.filter((r) => r.referrer.id === referrer.id).map((r) => r.status)).toEqual(['reversed']);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, '34-referral-voided.png'), fullPage: true });
    await page.context().close();
    expect(problems.splice(0)).toEqual([]);
  });
});
