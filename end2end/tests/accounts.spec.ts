// Accounts and private conversations in the browser: sign up, sign out, sign in (a wrong password
// refused), a direct conversation between two people on two pages, and signing out closing the
// live connection of every tab of that session. Each spec runs with JavaScript on and off.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, tag, messages, send, signIn, accountMenu, openDirect, review, sidebar, DESKTOP, PASSWORD } from './fixtures';

test('sign up, sign out, sign in again and post', async ({ people, javaScriptEnabled }) => {
  const name = `Ada${tag()}`;
  const page = await people.enter(name, javaScriptEnabled);
  await expect(page.getByLabel(`Menu for ${name}`)).toBeVisible();
  await expect(await accountMenu(page)).toContainText(`Signed in as ${name}`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
  await page.goto('/r/lobby');
  await expect(page.getByText('You are reading as a guest. Sign in to take part.')).toBeVisible();

  await signIn(page, name, 'not the password');
  await expect(page.getByRole('alert')).toHaveText('Wrong name or password.');
  await signIn(page, name.toUpperCase());
  await expect(page).toHaveURL(/\/r\/lobby$/);
  if (javaScriptEnabled) await expect(page.getByRole('status')).toHaveAttribute('data-state', 'connected');
  const text = `back again ${tag()}`;
  await send(page, text, javaScriptEnabled);
  await expect(messages(page, text)).toHaveCount(1);
  await expect(messages(page, text).locator('.author')).toHaveText(name);
});

test('a direct conversation between two people on two pages', async ({ people, javaScriptEnabled }) => {
  const adaName = `Ada${tag()}`;
  const bobName = `Bob${tag()}`;
  const bob = await people.enter(bobName, true);
  const ada = await people.enter(adaName, javaScriptEnabled);
  const carol = await people.enter(`Carol${tag()}`, true);

  await openDirect(ada, bobName);
  await expect(ada.getByRole('heading', { level: 1 })).toContainText(`${adaName} & ${bobName}`);
  if (javaScriptEnabled) await expect(ada.getByRole('status')).toHaveAttribute('data-state', 'connected');
  const url = ada.url();
  const secret = `just for Bob ${tag()}`;
  await send(ada, secret, javaScriptEnabled);
  await expect(messages(ada, secret)).toHaveCount(1);

  // Ada's sidebar lists it under Bob's name, and he is online (his page is open).
  await expect(sidebar(ada).getByRole('link', { name: `${bobName}, online` })).toBeVisible();
  // Bob's learns of it live, under Ada's name, with whether she is online: a page with
  // JavaScript has its room open; a page without has no live connection.
  const status = javaScriptEnabled ? 'online' : 'offline';
  const link = sidebar(bob).getByRole('link', { name: `${adaName}, ${status}` });
  await expect(link).toBeVisible();
  await expect(sidebar(bob).getByRole('heading', { name: 'Direct messages' })).toBeVisible();
  if (javaScriptEnabled) {
    // On a phone the list is a drawer: open it to look.
    await review(bob, 'direct-sidebar', true, async () => {
      const phone = (bob.viewportSize()?.width ?? 0) < 600;
      if (phone && !(await sidebar(bob).evaluate((nav) => nav.classList.contains('open')))) {
        await bob.getByRole('link', { name: 'Rooms', exact: true }).click();
      }
      await expect(link).toBeInViewport();
    });
  }
  await bob.setViewportSize(DESKTOP);
  await link.click();
  await expect(bob).toHaveURL(url);
  await expect(messages(bob, secret)).toHaveCount(1);
  const reply = `just for Ada ${tag()}`;
  await send(bob, reply, true);
  if (!javaScriptEnabled) await ada.reload();
  await expect(messages(ada, reply)).toHaveCount(1);

  // Nobody else can open it, or see it listed.
  await expect(sidebar(carol).getByText(`${adaName} & ${bobName}`)).toHaveCount(0);
  await expect(sidebar(carol).getByRole('link', { name: new RegExp(adaName) })).toHaveCount(0);
  const response = await carol.goto(url);
  expect(response?.status()).toBe(404);
  await expect(carol.getByText(secret)).toHaveCount(0);

  // Ada closes her page: a few seconds later, Bob's sidebar says she is offline.
  if (javaScriptEnabled) {
    await ada.close();
    await expect(sidebar(bob).getByRole('link', { name: `${adaName}, offline` })).toBeVisible();
  }
});

test('signing out closes the live connection of every tab of that session', async ({ people, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'live connections need JavaScript');
  const adaName = `Ada${tag()}`;
  const first = await people.enter(adaName, true);
  const second = await people.secondTab(first);
  const bob = await people.enter(`Bob${tag()}`, true);
  const before = `before ${tag()}`;
  await send(bob, before, true);
  await expect(messages(second, before)).toHaveCount(1);

  await accountMenu(first);
  await first.getByRole('button', { name: 'Sign out' }).click();
  await expect(first).toHaveURL(/\/$/);
  await expect(second.getByRole('status')).toHaveAttribute('data-state', 'signed out');
  const after = `after ${tag()}`;
  await send(bob, after, true);
  await expect(messages(bob, after)).toHaveAttribute('data-status', 'sent');
  // The other tab hears nothing more, and cannot post.
  await expect(messages(second, after)).toHaveCount(0);
  await second.reload();
  await expect(second.getByText('You are reading as a guest. Sign in to take part.')).toBeVisible();
});

test('unsent text belongs to the account that wrote it, never to the next person on the browser', async ({ people, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'the outbox needs JavaScript');
  const adaName = `Ada${tag()}`;
  const first = await people.enter(adaName, true);
  const second = await people.secondTab(first);
  const bob = await people.enter(`Bob${tag()}`, true);

  // Ada signs out in one tab and writes a line in the other, still open: it waits unsent.
  await accountMenu(first);
  await first.getByRole('button', { name: 'Sign out' }).click();
  await expect(second.getByRole('status')).toHaveAttribute('data-state', 'signed out');
  const text = `written by Ada after signing out ${tag()}`;
  await send(second, text, true);
  await expect(messages(second, text)).toHaveAttribute('data-status', 'pending');

  // Cy creates an account on the same browser and opens the lobby in both tabs.
  const cyName = `Cy${tag()}`;
  await people.enter(cyName, true, first);
  await second.reload();
  await expect(second.getByRole('status')).toHaveAttribute('data-state', 'connected');
  await expect(messages(second, text)).toHaveCount(0);
  const marker = `Cy is here ${tag()}`;
  await send(second, marker, true);
  await expect(messages(bob, marker)).toHaveCount(1);
  // Ada's line was not sent as Cy (nor at all).
  await expect(messages(bob, text)).toHaveCount(0);

  // Back as Ada, her line is still waiting and goes out once, under her name.
  await accountMenu(first);
  await first.getByRole('button', { name: 'Sign out' }).click();
  await signIn(first, adaName);
  await expect(first).toHaveURL(/\/r\/lobby$/);
  await expect(messages(first, text)).toHaveAttribute('data-status', 'sent');
  await expect(messages(bob, text)).toHaveCount(1);
  await expect(messages(bob, text)).toContainText(adaName);
  await expect(messages(bob, text)).not.toContainText(cyName);
});

const HARBOUR = readFileSync(join(__dirname, 'assets', 'harbour.png')); // 800 × 450

/** The natural size and the address of the avatar beside `text`'s message on `page`. */
async function avatarBeside(page: import('@playwright/test').Page, text: string) {
  const picture = messages(page, text).locator('img.avatar');
  await expect(picture).toHaveJSProperty('complete', true);
  return picture.evaluate((img: HTMLImageElement) => ({ width: img.naturalWidth, src: img.src }));
}

test('a person sets a picture on the account page; the other page shows it beside their messages', async ({ people, javaScriptEnabled }) => {
  const name = `Ada${tag()}`;
  const ada = await people.enter(name, javaScriptEnabled);
  const text = `portrait ${tag()}`;
  await send(ada, text, javaScriptEnabled);
  const bob = await people.enter(`Bob${tag()}`, javaScriptEnabled);
  await expect(messages(bob, text)).toHaveCount(1);
  // Before: the initial, drawn by the server (an SVG, 64 units wide).
  expect((await avatarBeside(bob, text)).width).toBe(64);

  await ada.goto('/account');
  const form = ada.locator('form[action="/account/avatar"]');
  // Something that is not a picture is refused on the page, which says why.
  await ada.getByLabel('Picture to upload').setInputFiles({ name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n') });
  await form.getByRole('button', { name: 'Upload picture' }).click();
  await expect(ada.getByRole('alert')).toContainText('That is not a picture Parley can read');
  await expect(ada.getByRole('button', { name: 'Remove picture' })).toHaveCount(0);

  await ada.getByLabel('Picture to upload').setInputFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: HARBOUR });
  await form.getByRole('button', { name: 'Upload picture' }).click();
  await expect(ada).toHaveURL(/\/account$/);
  await expect(ada.getByRole('button', { name: 'Remove picture' })).toBeVisible();
  const mine = ada.getByRole('img', { name: 'Your picture' });
  await expect(mine).toHaveJSProperty('naturalWidth', 96);

  // Bob's next page shows it: 96 pixels square, cut from the middle of the harbour.
  await bob.reload();
  expect((await avatarBeside(bob, text)).width).toBe(96);

  // Removed: the initial again.
  await ada.getByRole('button', { name: 'Remove picture' }).click();
  await expect(ada.getByRole('button', { name: 'Remove picture' })).toHaveCount(0);
  await bob.reload();
  expect((await avatarBeside(bob, text)).width).toBe(64);
  expect(people.errors).toEqual([]);
});

test('a person downloads what they wrote from the account page', async ({ people, javaScriptEnabled }) => {
  const name = `Ada${tag()}`;
  const page = await people.enter(name, javaScriptEnabled);
  if (javaScriptEnabled) await expect(page.getByRole('status')).toHaveAttribute('data-state', 'connected');
  const text = `for the record ${tag()}`;
  await send(page, text, javaScriptEnabled);
  await expect(messages(page, text)).toHaveCount(1);

  await page.goto('/account');
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download my data' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`parley-${name}.json`);
  const data = JSON.parse(readFileSync(await file.path(), 'utf8'));
  expect(data.name).toBe(name);
  expect(data.messages.map((m: { body: string }) => m.body)).toEqual([text]);
});

test('a person deletes their account: what they wrote is erased and they cannot sign in again', async ({ people, javaScriptEnabled }) => {
  const name = `Gone${tag()}`;
  const bob = await people.enter(`Bob${tag()}`, true);
  await expect(bob.getByRole('status')).toHaveAttribute('data-state', 'connected');
  const page = await people.enter(name, javaScriptEnabled);
  if (javaScriptEnabled) await expect(page.getByRole('status')).toHaveAttribute('data-state', 'connected');
  const text = `soon erased ${tag()}`;
  await send(page, text, javaScriptEnabled);
  await expect(messages(bob, text)).toHaveCount(1);

  await page.goto('/account');
  const form = page.getByRole('form', { name: 'Delete your account' });
  await form.getByLabel('Your password').fill('not my password');
  await form.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.getByRole('alert')).toHaveText('That is not your password. Nothing was deleted.');
  await expect(messages(bob, text)).toHaveCount(1);

  await page.getByRole('form', { name: 'Delete your account' }).getByLabel('Your password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
  // Bob's open page follows live: the message is erased where it stood.
  await expect(messages(bob, text)).toHaveCount(0);
  await expect(bob.getByText('Message deleted').first()).toBeVisible();

  await signIn(page, name);
  await expect(page.getByRole('alert')).toHaveText('Wrong name or password.');
});
