// The mode switch: a cluster value overridden at one machine's level, shown with its level,
// then back to the cluster value; the pending changes abandoned.
import { scenario, login, menu, screenshot, expectText } from './gui.mjs';

await scenario(async (page) => {
  await login(page);
  await Promise.all([page.waitForLoadState('load'), page.selectOption('#level', 'node1')]);
  await menu(page, 'Mail Policies', 'Destination Controls');
  await expectText(page, 'h1', 'Machine node1');
  const row = page.locator('#entities tr', { hasText: 'default' });
  await expectText(page, '#entities', 'cluster');
  await Promise.all([page.waitForLoadState('load'), row.locator('text=Override at machine level').click()]);
  await page.selectOption('#f-tls', 'none');
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
  await expectText(page, '.notice', 'staged at the Machine node1 level');
  await expectText(page, '#entities', 'machine node1');
  await screenshot(page, 'machine-override');

  await Promise.all([page.waitForLoadState('load'), page.locator('#entities tr', { hasText: 'default' }).locator('text=Use cluster value').click()]);
  await expectText(page, '.notice', 'now uses the cluster value');
  await expectText(page, '#commit-changes', 'Commit Changes (2)');

  await Promise.all([page.waitForLoadState('load'), page.click('#commit-changes')]);
  await Promise.all([page.waitForLoadState('load'), page.click('#abandon')]);
  await expectText(page, '.notice', 'abandoned');
  await expectText(page, '#commit-changes', 'Commit Changes (0)');
});
