// Creating rooms and moving between them. Runs with JavaScript on and off; the watcher page
// always runs JavaScript.
import { test, expect, tag, messages, send, createRoom } from './fixtures';
import type { Page } from '@playwright/test';

const rooms = (page: Page) => page.getByRole('navigation', { name: 'Rooms' });

test('a room created from the sidebar opens, and appears live for others', async ({ people, javaScriptEnabled }) => {
  const watcher = await people.enter(`Bob${tag()}`, true);
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);

  const suffix = tag();
  const name = `Room ${suffix}`;
  await createRoom(ada, name);
  await expect(ada).toHaveURL(new RegExp(`/r/room-${suffix}$`));
  await expect(ada.getByRole('heading', { level: 1 })).toHaveText(`#${name}`);
  await expect(rooms(ada).getByRole('link', { name: `#${name}` })).toHaveAttribute('aria-current', 'page');
  await expect(rooms(watcher).getByRole('link', { name: `#${name}` })).toBeVisible();

  // A message here stays here.
  const text = `only in ${name}`;
  await send(ada, text, javaScriptEnabled);
  await expect(messages(ada, text)).toHaveCount(1);
  await rooms(ada).getByRole('link', { name: '#Lobby' }).click();
  await expect(ada).toHaveURL(/\/r\/lobby$/);
  await expect(rooms(ada).getByRole('link', { name: '#Lobby' })).toHaveAttribute('aria-current', 'page');
  await expect(messages(ada, text)).toHaveCount(0);
  await expect(messages(watcher, text)).toHaveCount(0);

  // Back in the lobby, chatting works as before.
  const hello = `back in the lobby ${tag()}`;
  await send(ada, hello, javaScriptEnabled);
  await expect(messages(watcher, hello)).toHaveCount(1);
  await expect(messages(ada, hello)).toHaveCount(1);
});

test('a room name that is taken is refused with an error', async ({ people, javaScriptEnabled }) => {
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await createRoom(ada, 'lobby');
  await expect(rooms(ada).getByRole('alert')).toHaveText('A room named “lobby” exists already.');
  await expect(ada).toHaveURL(/\/r\/lobby/);
});
