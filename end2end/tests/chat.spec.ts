// Two people chatting in the lobby. Every spec runs with JavaScript on and off; the second page
// always runs JavaScript, since it stands for a live reader.
import { test, expect, tag, messages, send } from './fixtures';

test('a message posted on one page appears once on the other, live', async ({ people, javaScriptEnabled }) => {
  const adaName = `Ada${tag()}`;
  const bobName = `Bob${tag()}`;
  const bob = await people.enter(bobName, true);
  const ada = await people.enter(adaName, javaScriptEnabled);

  const hello = `hello from Ada ${tag()}`;
  await send(ada, hello, javaScriptEnabled);
  await expect(messages(bob, hello)).toHaveCount(1);
  await expect(messages(ada, hello)).toHaveCount(1);
  await expect(messages(ada, hello)).toHaveAttribute('data-status', 'sent');
  await expect(ada.getByLabel('Message', { exact: true })).toHaveValue('');

  const reply = `hi Ada ${tag()}`;
  await bob.getByLabel('Message', { exact: true }).fill(reply);
  await bob.getByRole('button', { name: 'Send' }).click();
  await expect(messages(bob, reply)).toHaveCount(1);
  if (!javaScriptEnabled) await ada.reload();
  await expect(messages(ada, reply)).toHaveCount(1);
  await expect(messages(ada, hello)).toHaveCount(1);
});

test('history is rendered by the server and survives a reload', async ({ people, javaScriptEnabled }) => {
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  const text = `kept ${tag()}`;
  await send(ada, text, javaScriptEnabled);
  await expect(messages(ada, text)).toHaveCount(1);

  const reader = await people.page(javaScriptEnabled);
  await reader.goto('/r/lobby');
  await expect(messages(reader, text)).toHaveCount(1);
  await expect(reader.getByText('You are reading as a guest. Sign in to take part.')).toBeVisible();
  await expect(reader.getByLabel('Message', { exact: true })).toHaveCount(0);
  await ada.reload();
  await expect(messages(ada, text)).toHaveCount(1);
});

test('an empty message is refused with an error and nothing is posted', async ({ people, javaScriptEnabled }) => {
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  const before = await ada.getByRole('list', { name: 'Messages' }).getByRole('listitem').count();
  await ada.getByLabel('Message', { exact: true }).fill('   ');
  await ada.getByRole('button', { name: 'Send' }).click();
  await expect(ada.getByRole('alert')).toHaveText('A message cannot be empty.');
  await expect(ada.getByRole('list', { name: 'Messages' }).getByRole('listitem')).toHaveCount(before);
});

test('an invalid name is refused with an error and no account is made', async ({ people, javaScriptEnabled }) => {
  const page = await people.page(javaScriptEnabled);
  await page.goto('/');
  const form = page.getByRole('form', { name: 'Create an account' });
  await form.getByLabel('Choose a name').fill('<b>Ada</b>');
  await form.getByLabel('Choose a password').fill('correct horse battery staple');
  await form.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toContainText('A display name can hold letters, digits, spaces');
  await page.goto('/r/lobby');
  await expect(page.getByLabel('Message', { exact: true })).toHaveCount(0);
});

test('join notices, presence and typing reach the other person only', async ({ people, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'live notices need JavaScript');
  const adaName = `Ada${tag()}`;
  const bobName = `Bob${tag()}`;
  const ada = await people.enter(adaName, true);
  const bob = await people.enter(bobName, true);
  await expect(ada.getByText(`${bobName} joined the room`)).toBeVisible();
  await expect(ada.getByText(/online$/)).toHaveAttribute('title', new RegExp(bobName));

  await ada.getByLabel('Message', { exact: true }).pressSequentially('typing away', { delay: 20 });
  await expect(bob.getByText(`${adaName} is typing…`)).toBeVisible();
  await expect(ada.getByText(`${adaName} is typing…`)).toHaveCount(0);
  await ada.getByLabel('Message', { exact: true }).press('Enter');
  await expect(messages(bob, 'typing away')).toHaveCount(1);
  await expect(bob.getByText(`${adaName} is typing…`)).toHaveCount(0);
  await expect(bob.getByText(`${bobName} joined`)).toHaveCount(0);

  // Closing the tab takes Bob off the online list; he stays a member (no notice).
  await bob.context().close();
  await expect(ada.getByText(/online$/)).not.toHaveAttribute('title', new RegExp(bobName));
  await expect(ada.getByText(`${bobName} left`)).toHaveCount(0);
});

test('chat works over long-polling when WebSocket is blocked', async ({ people, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'the socket needs JavaScript');
  const ada = await people.page(true);
  let blocked = 0;
  await ada.context().routeWebSocket(/\/socket\.io\//, (ws) => {
    blocked += 1;
    ws.close();
  });
  await people.enter(`Ada${tag()}`, true, ada);
  const bob = await people.enter(`Bob${tag()}`, true);

  const out = `over polling ${tag()}`;
  await send(ada, out, true);
  await expect(messages(bob, out)).toHaveCount(1);
  await expect(messages(ada, out)).toHaveAttribute('data-status', 'sent');
  const back = `back over polling ${tag()}`;
  await send(bob, back, true);
  await expect(messages(ada, back)).toHaveCount(1);
  await expect(ada.getByRole('status')).toHaveAttribute('data-transport', 'polling');
  await expect.poll(() => blocked).toBeGreaterThan(0);
});

test('a message written offline is delivered once when the connection returns', async ({ people, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'offline sending needs JavaScript');
  const ada = await people.enter(`Ada${tag()}`, true);
  const bob = await people.enter(`Bob${tag()}`, true);

  await ada.context().setOffline(true);
  await expect(ada.getByRole('status')).toHaveAttribute('data-state', 'offline');
  const text = `written offline ${tag()}`;
  await send(ada, text, true);
  await expect(messages(ada, text)).toHaveAttribute('data-status', 'pending');
  const missed = `said while Ada was away ${tag()}`;
  await send(bob, missed, true);
  await expect(messages(bob, missed)).toHaveAttribute('data-status', 'sent');

  await ada.context().setOffline(false);
  await expect(ada.getByRole('status')).toHaveAttribute('data-state', 'connected');
  await expect(messages(ada, text)).toHaveAttribute('data-status', 'sent');
  await expect(messages(bob, text)).toHaveCount(1);
  await expect(messages(ada, missed)).toHaveCount(1);
  await expect(messages(ada, text)).toHaveCount(1);
  await bob.reload();
  await expect(messages(bob, text)).toHaveCount(1);
});

test('a message not yet delivered survives a reload and is sent once', async ({ people, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'the outbox needs JavaScript');
  const ada = await people.enter(`Ada${tag()}`, true);
  const bob = await people.enter(`Bob${tag()}`, true);

  // Cut Ada off from socket.io only: pages still load, the socket cannot reconnect.
  let cut = true;
  await ada.context().route('**/socket.io/**', (route) => (cut ? route.abort() : route.continue()));
  await ada.context().routeWebSocket(/\/socket\.io\//, (ws) => (cut ? ws.close() : ws.connectToServer()));
  await ada.context().setOffline(true);
  await ada.context().setOffline(false);
  await expect(ada.getByRole('status')).toHaveAttribute('data-state', 'reconnecting');

  const text = `written before a reload ${tag()}`;
  await send(ada, text, true);
  await expect(messages(ada, text)).toHaveAttribute('data-status', 'pending');
  await ada.reload();
  await expect(messages(ada, text)).toHaveAttribute('data-status', 'pending');

  cut = false;
  await expect(messages(ada, text)).toHaveAttribute('data-status', 'sent', { timeout: 30_000 });
  await expect(messages(bob, text)).toHaveCount(1);
  await ada.reload();
  await expect(messages(ada, text)).toHaveCount(1);
  await expect(messages(ada, text)).toHaveAttribute('data-status', 'sent');
});

test('times show in the reader’s time zone once hydrated, in UTC without JavaScript', async ({ people, javaScriptEnabled }) => {
  const page = await people.page(javaScriptEnabled, { timezoneId: 'Asia/Kolkata' });
  await people.enter(`Ada${tag()}`, javaScriptEnabled, page);
  const text = `what time is it ${tag()}`;
  await send(page, text, javaScriptEnabled);
  const time = messages(page, text).locator('time');
  const stamp = new Date((await time.getAttribute('datetime')) ?? '');
  const offset = javaScriptEnabled ? 330 : 0; // India is UTC+5:30
  const shifted = new Date(stamp.getTime() + offset * 60_000);
  const expected = `${String(shifted.getUTCHours()).padStart(2, '0')}:${String(shifted.getUTCMinutes()).padStart(2, '0')}`;
  await expect(time).toHaveText(expected);
});
