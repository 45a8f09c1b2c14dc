// Unread counts in the sidebar and the tab title, and the "new messages" divider. Runs with
// JavaScript on and off; the writer's page always runs JavaScript.
import { test, expect, tag, send, createRoom } from './fixtures';
import type { Page } from '@playwright/test';

const rooms = (page: Page) => page.getByRole('navigation', { name: 'Rooms' });

test('messages elsewhere count as unread until the room is read', async ({ people, javaScriptEnabled }) => {
  const bob = await people.enter(`Bob${tag()}`, javaScriptEnabled);
  const ada = await people.enter(`Ada${tag()}`, true);
  // Bob moves to a room of his own; he has read the lobby so far.
  await createRoom(bob, `Side ${tag()}`);
  await expect(bob).toHaveURL(/\/r\/side-/);

  const first = `first unread ${tag()}`;
  await send(ada, first, true);
  await send(ada, `second unread ${tag()}`, true);
  if (!javaScriptEnabled) await bob.reload();
  const lobby = rooms(bob).getByRole('link', { name: /^#Lobby/ });
  await expect(lobby.getByLabel('2 unread')).toHaveText('2');
  if (javaScriptEnabled) await expect(bob).toHaveTitle(/^\(2\) Side/);

  await lobby.click();
  await expect(bob).toHaveURL(/\/r\/lobby$/);
  await expect(bob.locator('li.divider')).toHaveText('New messages');
  await expect(bob.locator('li.divider + li')).toContainText(first);
  await expect(bob).toHaveTitle(/^Lobby/);

  // Read now: back in the other room, the lobby has nothing unread.
  await bob.goBack();
  if (!javaScriptEnabled) await bob.reload();
  await expect(bob).toHaveURL(/\/r\/side-/);
  await expect(rooms(bob).getByLabel(/unread/)).toHaveCount(0);
});

test('the writer sees who has read their message, and mentions stand out', async ({ people, javaScriptEnabled }) => {
  const adaName = `Ada${tag()}`;
  const bobName = `Bob${tag()}`;
  const ada = await people.enter(adaName, true);
  const bob = await people.enter(bobName, javaScriptEnabled);

  await send(bob, `hello @${adaName}, look`, javaScriptEnabled);
  const mention = ada.getByRole('list', { name: 'Messages' }).locator('mark.mention');
  await expect(mention.last()).toHaveText(`@${adaName}`);

  const text = `read me ${tag()}`;
  await send(ada, text, true);
  if (!javaScriptEnabled) await bob.reload();
  await expect(bob.getByText(text)).toBeVisible();
  await expect(ada.getByText(`Seen by ${bobName}`)).toBeVisible();
});
