// Bad input in forms: each gets a clear message on the page and stages nothing.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario, login, menu, screenshot, expectText, env } from './gui.mjs';

await scenario(async (page) => {
  await login(page);
  await menu(page, 'Network', 'Certificates');

  // Missing Common Name, a country that does not exist.
  await page.fill('#c-name', 'broken');
  await page.fill('#c-c', 'XX');
  await Promise.all([page.waitForLoadState('load'), page.click('#create')]);
  await expectText(page, '#create-error', 'Common Name is required');
  await expectText(page, '#create-error', 'XX');
  await expectText(page, '#create-error', 'Nothing was changed.');
  await screenshot(page, 'certificate-errors');

  // A PKCS#12 file opened with the wrong password.
  const work = env('WORK');
  const key = join(work, 'other.key');
  const cert = join(work, 'other.crt');
  const p12 = join(work, 'other.p12');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=other.example.test', '-days', '2'], { stdio: 'pipe' });
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', key, '-in', cert, '-out', p12, '-passout', 'pass:right-password'], { stdio: 'pipe' });
  await page.fill('#i-name', 'imported');
  await page.setInputFiles('#i-file', p12);
  await page.fill('#i-password', 'wrong-password');
  await Promise.all([page.waitForLoadState('load'), page.click('#import')]);
  await expectText(page, '#import-error', 'password');

  // A signed certificate whose key is not the certificate's key.
  await page.selectOption('#u-name', 'demo');
  await page.setInputFiles('#u-cert', cert);
  await Promise.all([page.waitForLoadState('load'), page.click('#upload')]);
  await expectText(page, '#upload-error', 'does not sign');

  // A listener naming a certificate that does not exist: the error is next to the field.
  await menu(page, 'Network', 'Listeners');
  await Promise.all([page.waitForLoadState('load'), page.click('#entities >> text=IncomingMail')]);
  await page.fill('#f-certificate', 'no-such-certificate');
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
  await expectText(page, '.error[data-field="certificate"]', 'no-such-certificate');
  await screenshot(page, 'listener-error');

  // A configuration file with a mistake: every error with its line and column.
  const broken = join(work, 'broken.yaml');
  writeFileSync(broken, 'listeners:\n  - name: Broken\n    port: many\n');
  await menu(page, 'System Administration', 'Configuration File');
  await page.setInputFiles('#l-file', broken);
  await Promise.all([page.waitForLoadState('load'), page.click('#load')]);
  await expectText(page, '#load-errors', 'broken.yaml:3:');
  await screenshot(page, 'configuration-file-errors');

  await expectText(page, '#commit-changes', 'Commit Changes (0)');
});
