// Reading back through a room's history, and permalinks. Runs with JavaScript on and off.
import { test, expect, tag, messages } from './fixtures';
import type { Page } from '@playwright/test';

/** Creates a room with `count` messages ("seed 1" … "seed N") posted through the forms. */
async function seededRoom(page: Page, count: number): Promise<string> {
  const name = `History ${tag()}`;
  const form = { headers: { Accept: 'text/html' }, maxRedirects: 0 };
  const created = await page.request.post('/api/create_room', { ...form, form: { name } });
  expect(created.status()).toBe(302);
  const room = (created.headers()['location'] ?? '').replace('/r/', '');
  for (let i = 1; i <= count; i++) {
    const posted = await page.request.post('/api/post_message', {
      ...form,
      form: { room, client_id: `seed-${room}-${i}`, body: `seed ${i}` },
    });
    expect(posted.status()).toBe(302);
  }
  return room;
}

// The messages (not the day separators).
const rows = (page: Page) => page.getByRole('list', { name: 'Messages' }).locator('li.message');

test('older messages load by cursor: scrolling up, or the links without JavaScript', async ({ people, javaScriptEnabled }) => {
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  const room = await seededRoom(ada, 60);
  await ada.goto(`/r/${room}`);
  await expect(rows(ada)).toHaveCount(50);
  await expect(messages(ada, 'seed 60')).toHaveCount(1);
  await expect(messages(ada, 'seed 10')).toHaveCount(0);

  if (javaScriptEnabled) {
    await expect(ada.getByRole('status')).toHaveAttribute('data-state', 'connected');
    await ada.locator('.scroller').evaluate((element) => element.scrollTo(0, 0));
    await expect(rows(ada)).toHaveCount(60);
    await expect(messages(ada, 'seed 1').first()).toBeVisible();
    await expect(ada).toHaveURL(new RegExp(`/r/${room}$`));
    await expect(ada.getByRole('link', { name: 'Older messages' })).toHaveCount(0);
  } else {
    await ada.getByRole('link', { name: 'Older messages' }).click();
    await expect(ada).toHaveURL(new RegExp(`/r/${room}\\?before=11$`));
    await expect(rows(ada)).toHaveCount(10);
    await expect(ada.getByText('You are reading older messages.')).toBeVisible();
    await ada.getByRole('link', { name: 'Newer messages' }).click();
    await expect(rows(ada)).toHaveCount(50);
    await expect(messages(ada, 'seed 60')).toHaveCount(1);
  }
});

test('a message’s time links to a page showing it in context', async ({ people, javaScriptEnabled }) => {
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  const room = await seededRoom(ada, 3);
  await ada.goto(`/r/${room}`);
  // A message right under another by the same author shows its time on hover.
  await messages(ada, 'seed 2').hover();
  await messages(ada, 'seed 2').locator('a.permalink').click();
  await expect(ada).toHaveURL(new RegExp(`/r/${room}/m/2#m2$`));
  await expect(messages(ada, 'seed 2')).toHaveClass(/highlight/);
  await expect(messages(ada, 'seed 1')).not.toHaveClass(/highlight/);
  await expect(rows(ada)).toHaveCount(3);
});
