// System Administration > Alert Log: the manager's alert about a node refusing a version is
// listed with its state and acknowledged in the browser.
import { scenario, login, menu, screenshot, expectText } from './gui.mjs';

await scenario(async (page) => {
  await login(page);
  await menu(page, 'System Administration', 'Alert Log');
  const row = 'tr:has-text("refused configuration version")';
  await expectText(page, row, 'Critical');
  await expectText(page, row, '192.0.2.10 is not an address of this host');
  await Promise.all([page.waitForLoadState('load'), page.click(`${row} button:has-text("Acknowledge")`)]);
  await expectText(page, '.notice', 'The alert is acknowledged.');
  await expectText(page, row, 'gui:admin');
  await screenshot(page, 'alert-log');
});
