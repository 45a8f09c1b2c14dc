// Every page kind on a 390 × 844 phone and a 1280 × 800 desktop, light and dark: no axe-core
// violation of any impact (axe runs in the run with JavaScript: it is a script in the page), no
// sideways scrolling, and a screenshot of each saved under the test output for review. Then the
// layout promises: on a phone the composer and the latest message are on screen on arrival and
// the page has one scroll area; on a desktop nothing in the sidebar is clipped. Runs with
// JavaScript on and off.
import { test, expect, tag, send, createRoom, accountMenu, review, PHONE, DESKTOP, type People } from './fixtures';

/** Two people who have chatted in a room of their own, Ada (the reader) owning it. */
async function conversation(people: People, javaScriptEnabled: boolean, isPrivate: boolean) {
  const adaName = `Ada${tag()}`;
  const bobName = `Bob${tag()}`;
  const bob = await people.enter(bobName, true);
  const ada = await people.enter(adaName, javaScriptEnabled);
  const room = `Design ${tag()}`;
  await createRoom(ada, room, isPrivate);
  await expect(ada.getByRole('heading', { level: 1 })).toHaveText(`#${room}`);
  if (isPrivate) {
    await ada.getByLabel('Invite').fill(bobName);
    await ada.getByRole('button', { name: 'Invite', exact: true }).click();
    await expect(ada.getByRole('list', { name: 'Members' }).getByText(bobName)).toBeVisible();
  }
  await bob.goto(ada.url());
  await expect(bob.getByRole('status')).toHaveAttribute('data-state', 'connected');
  for (let i = 1; i <= 12; i++) {
    await send(i % 3 ? bob : ada, `line ${i} of a conversation that goes on for a while, so that the list scrolls`, i % 3 ? true : javaScriptEnabled);
    if (i % 3 === 0 && !javaScriptEnabled) await expect(ada.locator('.body', { hasText: `line ${i} of` })).toBeVisible();
  }
  await ada.reload();
  await expect(ada.locator('.body', { hasText: 'line 12 of' })).toBeVisible();
  return { ada, bob, room, adaName, bobName };
}

test('the sign-in page and the account page', async ({ people, javaScriptEnabled }) => {
  const visitor = await people.page(javaScriptEnabled);
  await visitor.goto('/');
  await review(visitor, 'sign-in', javaScriptEnabled, async () => {
    await expect(visitor.getByRole('form', { name: 'Sign in' })).toBeVisible();
  });

  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await ada.goto('/account');
  await review(ada, 'account', javaScriptEnabled, async () => {
    await expect(ada.getByRole('heading', { level: 1 })).toHaveText('Your account');
  });
});

test('a room with a conversation, on a phone and a desktop', async ({ people, javaScriptEnabled }) => {
  const { ada } = await conversation(people, javaScriptEnabled, false);
  await review(ada, 'room', javaScriptEnabled, async () => {
    await expect(ada.locator('.body', { hasText: 'line 12 of' })).toBeVisible();
  });

  // A phone: the composer and the latest message are on screen on arrival, and the page itself
  // does not scroll (one scroll area: the messages).
  await ada.setViewportSize(PHONE);
  await ada.reload();
  await expect(ada.getByLabel('Message', { exact: true })).toBeInViewport();
  await expect(ada.locator('.body', { hasText: 'line 12 of' })).toBeInViewport();
  const page = await ada.evaluate(() => [document.documentElement.scrollHeight, window.innerHeight]);
  expect(page[0], 'the page itself does not scroll').toBeLessThanOrEqual(page[1]);
  await accountMenu(ada);
  await expect(ada.getByRole('link', { name: 'Account' })).toBeInViewport();

  // A desktop: nothing in the sidebar is wider than the sidebar.
  await ada.setViewportSize(DESKTOP);
  const clipped = await ada.evaluate(() => {
    const sidebar = document.querySelector('nav[aria-label="Rooms"]')!;
    const edge = sidebar.getBoundingClientRect().right;
    return [...sidebar.querySelectorAll('*')]
      .filter((el) => el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().right > edge + 0.5)
      .map((el) => el.outerHTML.slice(0, 80));
  });
  expect(clipped, 'nothing sticks out of the sidebar').toEqual([]);
  expect(await ada.evaluate(() => {
    const sidebar = document.querySelector('nav[aria-label="Rooms"]')!;
    return sidebar.scrollWidth - sidebar.clientWidth;
  }), 'the sidebar does not scroll sideways').toBeLessThanOrEqual(0);
});

test('a private room with its members panel open', async ({ people, javaScriptEnabled }) => {
  const { ada } = await conversation(people, javaScriptEnabled, true);
  await review(ada, 'private-room', javaScriptEnabled, async () => {
    await expect(ada.getByRole('list', { name: 'Members' })).toBeVisible();
  });
});

test('the keyboard: a skip link to the message box; on a phone the room list is a drawer', async ({ people, javaScriptEnabled }) => {
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await ada.keyboard.press('Tab');
  const skip = ada.getByRole('link', { name: 'Skip to the message box' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await ada.keyboard.press('Enter');
  await expect(ada.getByLabel('Message', { exact: true })).toBeFocused();

  await ada.setViewportSize(PHONE);
  const nav = ada.getByRole('navigation', { name: 'Rooms' });
  await expect(nav).toBeHidden();
  await ada.getByRole('link', { name: 'Rooms', exact: true }).click();
  await expect(nav).toBeVisible();
  await expect(nav).toBeInViewport();
  await nav.getByRole('link', { name: 'Close the room list' }).click();
  await expect(nav).toBeHidden();
  // Choosing a room closes the drawer too.
  await ada.getByRole('link', { name: 'Rooms', exact: true }).click();
  await nav.getByRole('link', { name: /^#Lobby/ }).click();
  await expect(ada).toHaveURL(/\/r\/lobby$/);
  await expect(nav).toBeHidden();
  await expect(ada.getByLabel('Message', { exact: true })).toBeInViewport();
});

test('an over-long message is refused whole, with a count as the limit nears; a long one sent is scrolled into view', async ({ people, javaScriptEnabled }) => {
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  const box = ada.getByLabel('Message', { exact: true });
  const words = (n: number, marker: string) => (marker + ' ' + 'word '.repeat(n)).slice(0, n);
  const tooLong = words(4820, `too long ${tag()}`);
  await box.fill(tooLong);
  if (javaScriptEnabled) {
    await expect(ada.locator('.composer .count')).toHaveText('820 characters too many');
    await box.press('Enter');
  } else {
    await ada.getByRole('button', { name: 'Send' }).click();
  }
  await expect(ada.locator('#composer-error')).toHaveText('A message can be at most 4000 characters long.');
  // Nothing was cut, nothing was sent, nothing was lost: without JavaScript, the page that
  // answers the post has the text back in the box.
  expect(await box.inputValue()).toBe(tooLong);
  await expect(ada.locator('.body', { hasText: tooLong.slice(0, 20) })).toHaveCount(0);

  const long = words(3900, `long but fine ${tag()}`);
  await box.fill(long);
  if (javaScriptEnabled) await expect(ada.locator('.composer .count')).toHaveText('100 characters left');
  await send(ada, long, javaScriptEnabled);
  const sent = ada.locator('li.message', { hasText: long.slice(0, 24) });
  await expect(sent).toHaveAttribute('data-status', 'sent');
  // Its end is on screen: the list followed it down.
  await expect(sent.locator('.body')).toBeInViewport({ ratio: 0.2 });
  // Without JavaScript the list is a reversed column: its end is at scrollTop 0.
  const bottom = await ada
    .locator('.scroller')
    .evaluate((el, js) => (js ? el.scrollHeight - el.scrollTop - el.clientHeight : Math.abs(el.scrollTop)), javaScriptEnabled);
  expect(bottom, 'scrolled to the end of the list').toBeLessThan(80);
});
