// Editing, deleting and reacting to messages, and leaving a room: each seen live on a second page.
// The acting page runs with JavaScript on and off (the forms work without it); the watching page
// always runs it, since it stands for a live reader.
import { test, expect, tag, messages, send, accountMenu } from './fixtures';
import type { Page } from '@playwright/test';

const form = { headers: { Accept: 'text/html' }, maxRedirects: 0 };

/** Creates a room through the no-JS form, as `page`'s person, and returns its slug and name. */
async function createRoom(page: Page): Promise<{ room: string; name: string }> {
  const name = `Room ${tag()}`;
  const created = await page.request.post('/api/create_room', { ...form, form: { name } });
  expect(created.status()).toBe(302);
  return { room: (created.headers()['location'] ?? '').replace('/r/', ''), name };
}

test('edits, deletions and reactions are seen live on the other page', async ({ people, javaScriptEnabled }) => {
  const bob = await people.enter(`Bob${tag()}`, true);
  const adaName = `Ada${tag()}`;
  const ada = await people.enter(adaName, javaScriptEnabled);
  const text = `tpyo ${tag()}`;
  await send(ada, text, javaScriptEnabled);
  await expect(messages(bob, text)).toHaveCount(1);
  const seq = await messages(bob, text).getAttribute('data-seq');
  const onAda = ada.locator(`#m${seq}`);
  const onBob = bob.locator(`#m${seq}`);

  // Ada fixes her typo.
  const fixed = `typo fixed ${tag()}`;
  // A message's tools show when the pointer is over it (or the keyboard in it).
  await onAda.hover();
  await onAda.getByText('Edit', { exact: true }).click();
  await onAda.getByLabel('Edited message').fill(fixed);
  await onAda.getByRole('button', { name: 'Save' }).click();
  await expect(onBob.locator('.body')).toHaveText(`${fixed} (edited)`);
  await expect(onAda.locator('.body')).toHaveText(`${fixed} (edited)`);

  // Bob reacts; Ada sees it and joins in; then takes hers back.
  await onBob.hover();
  await onBob.getByLabel('Add a reaction').click();
  await onBob.getByRole('button', { name: 'React with 🎉' }).click();
  const party = (page: Page) => page.locator(`#m${seq} .reaction button`);
  if (!javaScriptEnabled) await ada.reload();
  await expect(party(ada)).toHaveText('🎉 1');
  await expect(party(ada)).toHaveAttribute('aria-pressed', 'false');
  await party(ada).click();
  await expect(party(bob)).toHaveText('🎉 2');
  await expect(party(bob)).toHaveAttribute('title', new RegExp(`${adaName}`));
  await expect(party(ada)).toHaveAttribute('aria-pressed', 'true');
  await party(ada).click();
  await expect(party(bob)).toHaveText('🎉 1');
  await expect(party(ada)).toHaveAttribute('aria-pressed', 'false');

  // Bob cannot edit or delete Ada's message: the buttons are not there.
  await expect(onBob.getByRole('button', { name: 'Delete' })).toHaveCount(0);

  // Ada deletes it: a tombstone stays in its place on both pages.
  await onAda.hover();
  await onAda.getByRole('button', { name: 'Delete' }).click();
  await expect(onBob.locator('.body')).toHaveText('Message deleted');
  await expect(onAda.locator('.body')).toHaveText('Message deleted');
  await expect(messages(bob, fixed)).toHaveCount(0);
  await expect(party(bob)).toHaveCount(0);
});

test('leaving a room tells its members and stops its unread count', async ({ people, javaScriptEnabled }) => {
  const adaName = `Ada${tag()}`;
  const ada = await people.enter(adaName, javaScriptEnabled);
  const bob = await people.enter(`Bob${tag()}`, true);
  const { room, name } = await createRoom(bob);
  await bob.goto(`/r/${room}`);
  await expect(bob.getByRole('status')).toHaveAttribute('data-state', 'connected');
  await ada.goto(`/r/${room}`);
  await expect(bob.getByText(`${adaName} joined the room`)).toBeVisible();

  // A member counts what is posted while she is elsewhere.
  const sidebarEntry = ada.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: `#${name}` });
  await ada.goto('/r/lobby');
  await send(bob, `while Ada is in the lobby ${tag()}`, true);
  if (!javaScriptEnabled) await ada.reload();
  await expect(sidebarEntry.getByLabel('1 unread')).toBeVisible();

  await sidebarEntry.click();
  await accountMenu(ada);
  await ada.getByRole('button', { name: 'Leave room' }).click();
  await expect(ada).toHaveURL(/\/r\/lobby$/);
  await expect(bob.getByText(`${adaName} left the room`)).toBeVisible();
  await expect(ada.getByRole('button', { name: 'Leave room' })).toHaveCount(0);

  // Once she has left, nothing there counts as unread for her.
  await send(bob, `after Ada left ${tag()}`, true);
  await expect(messages(bob, 'after Ada left')).toHaveAttribute('data-status', 'sent');
  await ada.reload();
  await expect(sidebarEntry).toBeVisible();
  await expect(sidebarEntry.getByLabel(/unread/)).toHaveCount(0);
  await expect(ada).toHaveTitle(/^Lobby/);
});

test('a reader far behind starts over from the latest page and is told so', async ({ people, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'catching up needs JavaScript');
  const ada = await people.enter(`Ada${tag()}`, true);
  const bob = await people.enter(`Bob${tag()}`, false);
  const { room } = await createRoom(bob);
  await ada.goto(`/r/${room}`);
  await expect(ada.getByRole('status')).toHaveAttribute('data-state', 'connected');

  await ada.context().setOffline(true);
  await expect(ada.getByRole('status')).toHaveAttribute('data-state', 'offline');
  // More changes than one catch-up batch carries (200).
  for (let i = 1; i <= 205; i++) {
    const posted = await bob.request.post('/api/post_message', {
      ...form,
      form: { room, client_id: `far-${room}-${i}`, body: `far ${i}` },
    });
    expect(posted.status()).toBe(302);
  }
  await ada.context().setOffline(false);
  await expect(ada.getByText('You missed a lot while you were away: showing the latest messages.')).toBeVisible();
  await expect(messages(ada, 'far 205')).toHaveCount(1);
  await expect(messages(ada, 'far 156')).toHaveCount(1);
  await expect(messages(ada, 'far 155')).toHaveCount(0);
});
