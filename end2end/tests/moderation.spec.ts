// A private room and its moderation, from the members panel: its owner invites someone, deletes
// a message of theirs and bans them; the banned person's open page leaves the room at once. (A
// ban from a public room answers 403 "You are banned from …": tests/api/moderation.rs.)
// Runs with JavaScript on and off for the owner; the member's page always runs JavaScript.
import { test, expect, tag, messages, send, createRoom, review } from './fixtures';
import type { Page } from '@playwright/test';

const rooms = (page: Page) => page.getByRole('navigation', { name: 'Rooms' });
const members = (page: Page) => page.getByRole('list', { name: 'Members' });

test('the owner of a private room invites, deletes a message and bans', async ({ people, javaScriptEnabled }) => {
  const adaName = `Ada${tag()}`;
  const bobName = `Bob${tag()}`;
  const bob = await people.enter(bobName, true);
  const ada = await people.enter(adaName, javaScriptEnabled);

  const name = `Plans ${tag()}`;
  await createRoom(ada, name, true);
  await expect(ada.getByRole('heading', { level: 1 })).toHaveText(`#${name}`);
  const url = ada.url();
  await expect(rooms(bob).getByRole('link', { name: `#${name}` })).toHaveCount(0);
  expect((await bob.request.get(url)).status()).toBe(404);

  // The invitation puts the room in Bob's sidebar, live.
  await ada.getByLabel('Invite').fill(bobName);
  await ada.getByRole('button', { name: 'Invite', exact: true }).click();
  await expect(members(ada).getByText(bobName)).toBeVisible();

  // The panel finds members by name, any case (a big room lists only its first hundred).
  const find = bobName.toLowerCase();
  await ada.goto(`${url}?member=${find}`);
  await expect(members(ada).getByText(bobName)).toBeVisible();
  await expect(members(ada).getByText(adaName)).toHaveCount(0);
  await expect(ada.getByText(`1 member's name contains “${find}”.`)).toBeVisible();
  await expect(ada.getByRole('searchbox', { name: 'Find a member' })).toHaveValue(find);
  await review(ada, 'members-search', javaScriptEnabled, async () => {
    await expect(members(ada)).toBeVisible();
  });
  await ada.getByRole('link', { name: 'Show the first members' }).click();
  await expect(members(ada).getByText(adaName)).toBeVisible();
  await expect(ada).toHaveURL(`${url}#members`);
  if (javaScriptEnabled) await expect(ada.getByRole('status')).toHaveAttribute('data-state', 'connected');
  await rooms(bob).getByRole('link', { name: `#${name}` }).click();
  await expect(bob).toHaveURL(url);
  await expect(bob.getByRole('status')).toHaveAttribute('data-state', 'connected');
  const rude = `something rude ${tag()}`;
  await send(bob, rude, true);
  if (!javaScriptEnabled) await ada.reload();
  await expect(messages(ada, rude)).toHaveCount(1);

  // The owner deletes Bob's message: everyone sees the tombstone.
  await messages(ada, rude).hover();
  await messages(ada, rude).getByRole('button', { name: `Delete ${bobName}'s message` }).click();
  await expect(bob.getByText('Message deleted')).toBeVisible();

  // A ban takes Bob out at once: his open page is told and shows the room no more (a private
  // room is, to a non-member, a room that does not exist).
  await members(ada).getByRole('button', { name: `Ban ${bobName}` }).click();
  await expect(bob.getByRole('heading', { name: 'No such room' })).toBeVisible();
  await expect(ada.getByRole('list', { name: 'Banned' }).getByText(bobName)).toBeVisible();
  if (javaScriptEnabled) await expect(ada.getByRole('status')).toHaveAttribute('data-state', 'connected');
  const after = `Bob cannot read this ${tag()}`;
  await send(ada, after, javaScriptEnabled);
  await expect(messages(ada, after)).toHaveCount(1);
  expect((await bob.request.get(url)).status()).toBe(404);
  await expect(rooms(bob).getByRole('link', { name: `#${name}` })).toHaveCount(0);
  await expect(bob.getByText(after)).toHaveCount(0);
});
