// System Administration > LDAP and Security Services > URL Filtering: the technote's LDAP
// client certificate and the URL filtering client certificate, committed from the browser.
import { scenario, login, menu, screenshot, expectText, commit } from './gui.mjs';

await scenario(async (page) => {
  await login(page);
  await menu(page, 'System Administration', 'LDAP');
  await page.fill('#global-form #f-certificate', 'demo');
  await Promise.all([page.waitForLoadState('load'), page.click('#save-global')]);
  await expectText(page, '.notice', 'staged');

  await menu(page, 'Security Services', 'URL Filtering');
  await page.check('#global-form #f-enabled');
  await page.fill('#global-form #f-service_url', 'https://urls.example.test/verdicts/v1/');
  await page.fill('#global-form #f-client_certificate', 'demo');
  await page.selectOption('#global-form #f-fallback', 'header');
  await Promise.all([page.waitForLoadState('load'), page.click('#save-global')]);
  await expectText(page, '.notice', 'staged');
  await screenshot(page, 'url-filtering');
  await commit(page, 'LDAP client certificate and URL filtering');
});
