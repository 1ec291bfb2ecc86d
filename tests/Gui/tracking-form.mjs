// Monitor > Message Tracking: every field of the search form is found by its label (its
// accessible name), and each label sits beside its own field, not beside the next one.
import { scenario, login, menu, screenshot } from './gui.mjs';

await scenario(async (page) => {
  await login(page);
  await menu(page, 'Monitor', 'Message Tracking');
  const labels = await page.$$eval('#tracking-form label[for]', (all) => all.map((l) => ({ text: l.textContent.trim(), for: l.htmlFor })));
  if (labels.length < 7) throw new Error(`only ${labels.length} labelled fields`);
  for (const { text, for: id } of labels) {
    const control = page.getByLabel(text, { exact: true });
    const found = await control.getAttribute('id');
    if (found !== id) throw new Error(`the field named '${text}' is #${found}, not #${id}`);
    const label = await page.locator(`label[for="${id}"]`).boundingBox();
    const field = await control.boundingBox();
    // Beside it: on the same row, to its left.
    if (Math.abs(label.y - field.y) > 12 || label.x + label.width > field.x + 1) {
      throw new Error(`label '${text}' at (${label.x}, ${label.y}) is not beside its field at (${field.x}, ${field.y})`);
    }
  }
  await screenshot(page, 'tracking-form');
});
