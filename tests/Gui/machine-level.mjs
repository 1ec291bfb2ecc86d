// The mode switch: a cluster value overridden at one machine's level, shown with its level,
// then back to the cluster value; the pending changes abandoned. Then the cluster page's
// join token and a PKCS#12 export.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { scenario, login, menu, mode, screenshot, expectText, env } from './gui.mjs';

await scenario(async (page) => {
  await login(page);
  await mode(page, 'node1');
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

  // Cluster > Nodes: the node with its applied version, and a join token for the next one.
  await mode(page, 'cluster');
  await menu(page, 'Cluster', 'Nodes');
  await expectText(page, 'table', 'node1');
  await Promise.all([page.waitForLoadState('load'), page.click('text=Create join token')]);
  await expectText(page, 'main', 'gatehouse-node join --manager');
  await screenshot(page, 'nodes-token');

  // Network > Certificates: the demo certificate exported as PKCS#12.
  await menu(page, 'Network', 'Certificates');
  await page.selectOption('#e-name', 'demo');
  await page.fill('#e-password', 'export-password');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const p12 = join(env('WORK'), 'demo.p12');
  await download.saveAs(p12);
  const info = execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:export-password', '-nokeys'], { encoding: 'utf8' });
  if (!info.includes('BEGIN CERTIFICATE')) throw new Error('the exported PKCS#12 holds no certificate');
});
