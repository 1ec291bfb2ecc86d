// Shared steps for the GUI scenarios: a headless Chromium (Debian's) driven by playwright-core.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

export async function open() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  // The manager's certificate comes from the cluster's own CA.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  return { browser, page };
}

export async function login(page) {
  await page.goto(`${env('GUI_URL')}/`);
  await page.fill('#name', env('GUI_USER'));
  await page.fill('#password', env('GUI_PASSWORD'));
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('button[type=submit]')]);
}

/** Opens a page through the menus, as an admin would: e.g. menu(page, 'Network', 'Certificates'). */
export async function menu(page, top, item) {
  await page.click(`nav summary:text-is("${top}")`);
  await Promise.all([page.waitForLoadState('load'), page.click(`nav .menu a:text-is("${item}")`)]);
}

/**
 * Switches the Mode (cluster, 'group:NAME' or a machine) and waits for the page the switch loads:
 * that answer sets the mode, and a click before it arrives would cancel it. (The select submits
 * itself from script, so selectOption does not wait for that navigation.)
 */
export async function mode(page, value) {
  await Promise.all([
    page.waitForURL((url) => url.searchParams.get('level') === value, { waitUntil: 'load' }),
    page.selectOption('#level', value),
  ]);
}

/** Saves a screenshot at 1280×800 and at a narrow phone width. */
export async function screenshot(page, name) {
  const dir = env('SCREENSHOTS');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  const wide = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(dir, `${name}-narrow.png`), fullPage: true });
  await page.setViewportSize(wide);
}

export async function expectText(page, selector, text) {
  const content = await page.textContent(selector);
  if (!content || !content.includes(text)) throw new Error(`expected '${text}' in ${selector}, found: ${content}`);
}

export async function commit(page, comment) {
  await Promise.all([page.waitForLoadState('load'), page.click('#commit-changes')]);
  await page.fill('#comment', comment);
  await Promise.all([page.waitForLoadState('load'), page.click('#commit')]);
  await expectText(page, '.notice', 'Committed version');
}

/** Runs a scenario, printing the error and exiting non-zero when it fails. */
export async function scenario(steps) {
  const { browser, page } = await open();
  try {
    await steps(page);
    console.log('scenario passed');
  } catch (error) {
    console.error(error);
    try { await screenshot(page, 'failure'); } catch { /* the page may be gone */ }
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
