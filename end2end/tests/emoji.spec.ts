// Reactions with any emoji: "+" on a message opens the quick six in place (with JavaScript) or
// leads to the emoji page (without), which lists the quick six first and searches Unicode's emoji
// by name; choosing one reacts and goes back to the message, and everyone in the room sees it
// (live with JavaScript). The picker page passes axe-core on a phone and a desktop, light and
// dark. Runs with JavaScript on and off (for the person reacting).
import { test, expect, tag, send, messages, review } from './fixtures';

test('any emoji is a reaction, found by its name', async ({ people, javaScriptEnabled }) => {
  const marker = `em${tag()}`;
  const bob = await people.enter(`Bob${tag()}`, true);
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await send(bob, `launch day ${marker}`, true);
  if (!javaScriptEnabled) await ada.reload();

  const row = messages(ada, marker);
  await row.hover();
  await row.getByRole('link', { name: 'Add a reaction' }).click();
  if (javaScriptEnabled) {
    // Hydrated, "+" opens the quick six in place; "More emoji" leads to the page.
    await expect(row.getByRole('button', { name: 'React with 👍' })).toBeVisible();
    await row.getByRole('link', { name: 'More emoji' }).click();
  }
  await expect(ada).toHaveURL(/\/r\/lobby\/m\/\d+\/react$/);
  // The quick six come first, in the picker's order.
  const grid = ada.getByRole('list', { name: 'Emoji' }).getByRole('button');
  await expect(grid.first()).toHaveAccessibleName('React with thumbs up');
  await expect(grid.nth(3)).toHaveAccessibleName('React with party popper');
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

test('the quick reactions open in place, one picker at a time, and close on a pick or Escape', async ({ people, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'without JavaScript "+" is a link to the emoji page (above)');
  const marker = `em${tag()}`;
  const ada = await people.enter(`Ada${tag()}`, true);
  await send(ada, `first ${marker}`, true);
  await send(ada, `second ${marker}`, true);
  const [first, second] = [messages(ada, `first ${marker}`), messages(ada, `second ${marker}`)];
  await expect(second).toHaveAttribute('data-status', 'sent');
  const quick = (row: typeof first) => row.getByRole('group', { name: 'Quick reactions' });

  // With the keyboard alone: Enter on "+" opens the six, Tab reaches them, Escape closes them
  // and gives the focus back to "+".
  const plus = first.getByRole('link', { name: 'Add a reaction' });
  await plus.focus();
  await ada.keyboard.press('Enter');
  await expect(plus).toHaveAttribute('aria-expanded', 'true');
  await ada.keyboard.press('Tab');
  await expect(quick(first).getByRole('button', { name: 'React with 👍' })).toBeFocused();
  await ada.keyboard.press('Escape');
  await expect(quick(first)).toHaveCount(0);
  await expect(plus).toBeFocused();
  await expect(plus).toHaveAttribute('aria-expanded', 'false');

  // One picker at a time: opening the second message's closes the first's.
  await ada.keyboard.press('Enter');
  await expect(quick(first)).toHaveCount(1);
  await second.hover();
  await second.getByRole('link', { name: 'Add a reaction' }).click();
  await expect(quick(second)).toHaveCount(1);
  await expect(quick(first)).toHaveCount(0);

  // A pick reacts and closes the picker; the page stays where it is.
  await quick(second).getByRole('button', { name: 'React with 🎉' }).click();
  await expect(second.getByRole('button', { name: /reacted with 🎉/ })).toHaveText('🎉 1');
  await expect(quick(second)).toHaveCount(0);
  await expect(ada).toHaveURL(/\/r\/lobby$/);
});
