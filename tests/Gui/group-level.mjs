// The mode switch at group level: a destination control added for the group's members only
// and the global settings overridden for them, each shown with its level, then committed.
import { scenario, login, menu, mode, screenshot, expectText, commit } from './gui.mjs';

await scenario(async (page) => {
  await login(page);
  await mode(page, 'group:Edge');
  await menu(page, 'Mail Policies', 'Destination Controls');
  await expectText(page, 'h1', 'Group Edge');

  await Promise.all([page.waitForLoadState('load'), page.click('#add')]);
  await page.fill('#f-domain', 'edge.example.test');
  await page.selectOption('#f-tls', 'required');
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
  await expectText(page, '.notice', 'staged at the Group Edge level');
  await expectText(page, '#entities', 'group Edge');

  // The cluster's global settings, overridden for the group: its level says so, and it can go back.
  await page.fill('#global-form #f-certificate', '');
  await Promise.all([page.waitForLoadState('load'), page.click('#save-global')]);
  await expectText(page, '.notice', 'Global Settings staged at the Group Edge level');
  await expectText(page, 'main', 'Use cluster value');
  await screenshot(page, 'group-override');
  await commit(page, 'Edge: its own destination control and global settings');

  // Cluster > Nodes lists the group with its member.
  await mode(page, 'cluster');
  await menu(page, 'Cluster', 'Nodes');
  await expectText(page, '#groups', 'Edge');
  await expectText(page, '#groups', 'node1');
});
