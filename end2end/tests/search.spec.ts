// Search from the sidebar: a person finds a message by the start of its words, sees the match
// marked, narrows by author, follows a result to the message in context; what is in a private
// room stays out of others' results. The results page passes axe-core on a phone and a desktop,
// light and dark. Runs with JavaScript on and off.
import { test, expect, tag, send, sidebar, createRoom, axeViolations } from './fixtures';

test('a message is found by its words, marked, and opens in context', async ({ people, javaScriptEnabled }) => {
  const marker = `zq${tag()}`;
  const bobName = `Bob${tag()}`;
  const bob = await people.enter(bobName, true);
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await send(bob, `the ${marker}deploy happens on Friday`, true);
  await send(ada, `thanks for the ${marker}deploy notes`, javaScriptEnabled);
  // A private room of Bob's: its words are his alone.
  await createRoom(bob, `Vault ${tag()}`, true);
  await send(bob, `secret ${marker}deploy keys`, true);

  await sidebar(ada).getByRole('link', { name: 'Search messages' }).click();
  await expect(ada).toHaveURL(/\/search$/);
  const form = ada.getByRole('search', { name: 'Search messages' });
  await form.getByLabel('Words').fill(`${marker}dep`);
  await form.getByRole('button', { name: 'Search' }).click();
  const results = ada.getByRole('list', { name: 'Results' }).getByRole('listitem');
  await expect(results).toHaveCount(2);
  await expect(results.first()).toContainText('thanks for the');
  await expect(results.first().locator('mark')).toHaveText(`${marker}deploy`);
  await expect(ada.getByText('secret')).toHaveCount(0);

  // By Bob only: one result; it opens the message highlighted in its room.
  await form.getByLabel('Author').fill(bobName);
  await form.getByRole('button', { name: 'Search' }).click();
  await expect(results).toHaveCount(1);
  await expect(form.getByLabel('Words')).toHaveValue(`${marker}dep`);
  await results.first().getByRole('link').click();
  await expect(ada).toHaveURL(/\/r\/lobby\/m\/\d+#m\d+$/);
  await expect(ada.locator('li.message.highlight')).toContainText(`the ${marker}deploy happens on Friday`);

  // Nothing to search for: the reason, under the form.
  await ada.goto('/search?q=%21%21');
  await expect(ada.getByRole('alert')).toHaveText('Search for at least one word (letters or digits).');
});

test('the results page passes axe-core on a phone and a desktop, light and dark', async ({ people, javaScriptEnabled }) => {
  const marker = `zq${tag()}`;
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await send(ada, `an ${marker} worth finding, with enough words around it to wrap on a phone screen`, javaScriptEnabled);
  await ada.goto(`/search?q=${marker}`);
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
      await ada.emulateMedia({ colorScheme });
      await ada.setViewportSize(viewport);
      await expect(ada.getByRole('list', { name: 'Results' }).getByRole('listitem')).toHaveCount(1);
      if (javaScriptEnabled) expect(await axeViolations(ada), `${colorScheme}, ${viewport.width} px`).toEqual([]);
      const width = await ada.evaluate(() => document.documentElement.scrollWidth);
      expect(width, 'no sideways scrolling').toBeLessThanOrEqual(viewport.width);
      const js = javaScriptEnabled ? 'js' : 'nojs';
      await ada.screenshot({ path: test.info().outputPath(`search-${colorScheme}-${viewport.width}-${js}.png`), fullPage: true });
    }
  }
});
