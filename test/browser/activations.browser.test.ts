// A real browser against the real server: Debian's chromium, driven by
// playwright-core (no browser download), opens the gelu plot and /docs, and
// runs "Try it out" on POST /v1/activations/{name} in Swagger UI.
// Screenshots go to test-artifacts/ (gitignored). Skipped, saying why, only
// when /usr/bin/chromium is absent (`apt-get install -y chromium`; .ci/run does).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

if (!hasChromium) console.warn(`activations.browser.test.ts skipped: ${CHROMIUM} is absent (install it with: apt-get install -y chromium)`);

describe.skipIf(!hasChromium)(`in a real browser (${CHROMIUM})`, () => {
  let app: FastifyInstance;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await testApp();
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    profile = mkdtempSync(join(tmpdir(), 'gradserve-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await app?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('shows the gelu plot: an SVG with two curves and the title', async () => {
    const res = await page.goto(`${base}/v1/activations/gelu/plot.svg`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-type']).toMatch(/^image\/svg\+xml/);
    // The browser parsed it as SVG (an XML error would give a parsererror page).
    expect(await page.evaluate(() => document.documentElement.namespaceURI)).toBe('http://www.w3.org/2000/svg');
    expect(await page.locator('path.curve').count()).toBe(2);
    expect(await page.locator('text.title').textContent()).toBe('gelu(x, approximate="none")');
    const box = await page.locator('path.curve').first().boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    await page.screenshot({ path: join(ARTIFACTS, 'gelu-plot.png') });
  });

  it('renders Swagger UI at /docs, and "Try it out" on POST /v1/activations/{name} answers 200', async () => {
    await page.goto(`${base}/docs`);
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 20_000 });
    expect(await page.locator('.swagger-ui .info .title').textContent()).toContain('gradserve');
    const op = page.locator('.opblock-post').filter({ has: page.locator('.opblock-summary-path[data-path="/v1/activations/{name}"]') });
    await expect.poll(() => op.count()).toBe(1);
    await op.locator('.opblock-summary').click();
    await op.locator('button.try-out__btn').click();
    await op.locator('tr[data-param-name="name"] input').fill('relu');
    await op.locator('textarea.body-param__text').fill(JSON.stringify({ input: [-1.5, 0, 2], jacobian: true }));
    await page.screenshot({ path: join(ARTIFACTS, 'docs-try-it-out.png'), fullPage: false });
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor({ timeout: 20_000 });
    expect((await status.textContent())?.trim()).toBe('200');
    const shown = await op.locator('.live-responses-table .response-col_description pre').first().textContent();
    expect(JSON.parse(shown ?? '{}')).toMatchObject({ output: { shape: [3], data: [0, 0, 2] }, grad: { data: [0, 0, 1] }, jacobian: { shape: [3, 3] } });
    await op.locator('.live-responses-table').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'docs-activations-200.png') });
  }, 60_000);
});
