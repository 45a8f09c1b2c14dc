// Reactions with any emoji: beside the quick six, "More emoji" opens a page that searches
// Unicode's emoji by name; choosing one reacts and goes back to the message, and everyone in the
// room sees it (live with JavaScript). The picker page passes axe-core on a phone and a desktop,
// light and dark. Runs with JavaScript on and off (for the person reacting).
import { test, expect, tag, send, messages, review } from './fixtures';

test('any emoji is a reaction, found by its name', async ({ people, javaScriptEnabled }) => {
  const marker = `em${tag()}`;
  const bob = await people.enter(`Bob${tag()}`, true);
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await send(bob, `launch day ${marker}`, true);
  if (!javaScriptEnabled) await ada.reload();

  const row = messages(ada, marker);
  await row.hover();
  await row.locator('summary', { hasText: '+' }).click();
  await row.getByRole('link', { name: 'More emoji' }).click();
  await expect(ada).toHaveURL(/\/r\/lobby\/m\/\d+\/react$/);
  const search = ada.getByRole('search', { name: 'Search emoji' });
  await search.getByLabel('Emoji name').fill('rocket');
  await search.getByRole('button', { name: 'Search' }).click();
  await expect(ada).toHaveURL(/\?q=rocket$/);
  await ada.getByRole('button', { name: 'React with rocket' }).click();

  // Back at the message, with the reaction; Bob sees it live.
  await expect(ada).toHaveURL(/\/r\/lobby\/m\/\d+#m\d+$/);
  await expect(messages(ada, marker).getByRole('button', { name: /reacted with 🚀/ })).toHaveText('🚀 1');
  await expect(messages(bob, marker).getByRole('button', { name: /reacted with 🚀/ })).toHaveText('🚀 1');
});

test('the emoji page passes axe-core on a phone and a desktop, light and dark', async ({ people, javaScriptEnabled }) => {
  const marker = `em${tag()}`;
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await send(ada, `pick one ${marker}`, javaScriptEnabled);
  const row = messages(ada, marker);
  await expect(row).toHaveAttribute('data-status', 'sent');
  const seq = await row.getAttribute('data-seq');
  await ada.goto(`/r/lobby/m/${seq}/react?q=zzzz`);
  await expect(ada.getByText('No emoji match.')).toBeVisible();
  await ada.goto(`/r/lobby/m/${seq}/react?q=heart`);
  await review(ada, 'emoji', javaScriptEnabled, async () => {
    await expect(ada.getByRole('button', { name: 'React with red heart' })).toBeVisible();
  });
});
