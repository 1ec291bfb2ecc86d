// Monitor > DMARC Reports: today's reports show each node's answer; "Send now" sends them and
// says what became of each, and the command is in the audit log.
import { scenario, login, menu, screenshot, expectText, env } from './gui.mjs';

await scenario(async (page) => {
  const today = env('TODAY');
  await login(page);
  await menu(page, 'Monitor', 'DMARC Reports');
  await page.getByLabel('Day (UTC)', { exact: true }).fill(today);
  await Promise.all([page.waitForLoadState('load'), page.click('#show')]);
  await expectText(page, '#report-nodes tr[data-node="node1"]', 'yes');
  await screenshot(page, 'dmarc-reports');
  await Promise.all([page.waitForLoadState('load'), page.click('#send')]);
  await expectText(page, '.notice', `Reports of ${today}`);
});
