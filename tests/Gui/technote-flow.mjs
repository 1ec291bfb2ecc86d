// The technote's flow: a self-signed certificate, its CSR signed by a CA, the signed
// certificate uploaded and chosen on a listener, the listener's policy set to TLS Required,
// and one commit with a comment. The test around this script then checks the node.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { scenario, login, menu, screenshot, expectText, commit, env } from './gui.mjs';

await scenario(async (page) => {
  await login(page);
  await screenshot(page, 'nodes');

  await menu(page, 'Network', 'Certificates');
  await page.fill('#c-name', 'mx1-signed');
  await page.fill('#c-cn', 'mx1.example.test');
  await page.fill('#c-o', 'Example Corp');
  await page.fill('#c-ou', 'Mail');
  await page.fill('#c-l', 'Springfield');
  await page.fill('#c-st', 'Illinois');
  await page.fill('#c-c', 'US');
  await page.fill('#c-dns', 'mx1.example.test');
  await page.fill('#c-days', '365');
  await page.selectOption('#c-key', 'rsa2048');
  await Promise.all([page.waitForLoadState('load'), page.click('#create')]);
  await expectText(page, '.notice', 'Certificate mx1-signed created');

  const csr = join(env('WORK'), 'mx1-signed.csr');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('tr[data-name="mx1-signed"] >> text=Download CSR')]);
  await download.saveAs(csr);

  const ca = env('CA_DIR');
  const signed = join(env('WORK'), 'mx1-signed.crt');
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', join(ca, 'intermediate.crt'), '-CAkey', join(ca, 'intermediate.key'),
    '-CAcreateserial', '-out', signed, '-days', '30', '-copy_extensions', 'copy'], { stdio: 'pipe' });

  await page.selectOption('#u-name', 'mx1-signed');
  await page.setInputFiles('#u-cert', signed);
  await page.setInputFiles('#u-int', join(ca, 'intermediate.crt'));
  await Promise.all([page.waitForLoadState('load'), page.click('#upload')]);
  await expectText(page, '.notice', 'Signed certificate for mx1-signed uploaded');
  await screenshot(page, 'certificates');

  await menu(page, 'Network', 'Listeners');
  await Promise.all([page.waitForLoadState('load'), page.click('#entities >> text=IncomingMail')]);
  await page.fill('#f-certificate', 'mx1-signed');
  await screenshot(page, 'listener-edit');
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
  await expectText(page, '.notice', 'IncomingMail staged');

  await menu(page, 'Mail Policies', 'Mail Flow Policies');
  await Promise.all([page.waitForLoadState('load'), page.click('#entities >> text=INBOUND')]);
  await page.selectOption('#f-tls', 'required');
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
  await expectText(page, '.notice', 'INBOUND staged');
  await screenshot(page, 'mail-flow-policies');

  await menu(page, 'Mail Policies', 'HAT Overview');
  await screenshot(page, 'hat-overview');

  await expectText(page, '#commit-changes', 'Commit Changes (4)');
  await Promise.all([page.waitForLoadState('load'), page.click('#commit-changes')]);
  await expectText(page, '#differences', 'mx1-signed');
  await screenshot(page, 'commit-review');
  await page.fill('#comment', 'Signed certificate on IncomingMail, TLS required');
  await Promise.all([page.waitForLoadState('load'), page.click('#commit')]);
  await expectText(page, '.notice', 'Committed version');
  await expectText(page, '#commit-changes', 'Commit Changes (0)');
});
