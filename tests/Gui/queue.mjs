// Monitor > Queue: the node's queue shows the held message's domain; bouncing it from the page
// takes it off the queue, the node answers for itself and the command is in the audit log.
import { scenario, login, menu, screenshot, expectText, env } from './gui.mjs';

await scenario(async (page) => {
  const mid = env('HELD_MID');
  await login(page);
  await menu(page, 'Monitor', 'Queue');
  await expectText(page, '.queue-node[data-node="node1"]', 'example.test');
  // Every field is found by its label.
  await page.getByLabel('MID', { exact: true }).fill(mid);
  await page.getByLabel('Node', { exact: true }).nth(1).selectOption('node1');
  await screenshot(page, 'queue');
  await Promise.all([page.waitForLoadState('load'), page.click('#bounce')]);
  await expectText(page, '.notice', 'queue bounce: node1 ok');
  await expectText(page, '#queue-answers', 'node1');
});
