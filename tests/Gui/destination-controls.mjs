// Mail Policies > Destination Controls: a domain with TLS Required (Verify), and the global
// setting that alerts on required-TLS failures, committed with a comment.
import { readFileSync } from 'node:fs';
import { scenario, login, menu, screenshot, expectText, commit } from './gui.mjs';

await scenario(async (page) => {
  await login(page);
  await menu(page, 'Mail Policies', 'Destination Controls');
  await Promise.all([page.waitForLoadState('load'), page.click('#add')]);
  await page.fill('#f-domain', 'partner.example.test');
  await page.selectOption('#f-tls', 'required_verify');
  await page.fill('#f-max_concurrent_connections', '10');
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
  await expectText(page, '.notice', 'partner.example.test staged');
  // The list shows what was set, in the configuration file's words, and no unset choice.
  const row = 'tr:has-text("partner.example.test")';
  await expectText(page, row, 'TLS: required_verify');
  const listed = await page.textContent(row);
  if (/unspecified/i.test(listed)) throw new Error(`the summary shows unset choices: ${listed}`);

  await page.check('#global-form #f-alert_on_required_tls_failure');
  await Promise.all([page.waitForLoadState('load'), page.click('#save-global')]);
  await expectText(page, '.notice', 'Global Settings staged');
  await screenshot(page, 'destination-controls');
  await commit(page, 'partner.example.test must verify; alert on required TLS failures');

  // Verify TLS next to the destination control: the node answers (no such domain resolves here).
  await menu(page, 'Mail Policies', 'Destination Controls');
  await Promise.all([page.waitForLoadState('load'), page.click('a[href="/tlsverify?domain=partner.example.test"]')]);
  await Promise.all([page.waitForLoadState('load'), page.click('#verify')]);
  await expectText(page, '#tlsverify-report', 'Destination control partner.example.test, TLS Required (Verify)');
  // The policy sources, in order of precedence, and which one decides.
  await expectText(page, '#tlsverify-sources', 'destination control partner.example.test: TLS Required (Verify)');
  await expectText(page, '#tlsverify-decided', 'destination control partner.example.test');
  await screenshot(page, 'tls-verify');

  await menu(page, 'System Administration', 'Commit History');
  await expectText(page, '#history', 'partner.example.test must verify');
  await screenshot(page, 'commit-history');

  // Save the configuration with keys masked: the file names the new domain and holds no key.
  await menu(page, 'System Administration', 'Configuration File');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  const saved = readFileSync(await download.path(), 'utf8');
  if (!saved.includes('partner.example.test') || saved.includes('BEGIN PRIVATE KEY')) throw new Error(`unexpected saved file:\n${saved.slice(0, 2000)}`);
});
