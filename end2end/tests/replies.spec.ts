// Replies: a person replies to a message from its tools; the reply shows the start of the
// original above it, linking to its permalink; when the original is deleted the reply says so.
// The composer shows what is being replied to, and the reply can be cancelled. Runs with
// JavaScript on and off (for the person replying).
import { test, expect, tag, send, review } from './fixtures';
import type { Page } from '@playwright/test';

/** The rows whose own text (not a reply's quote of them) contains `text`. */
const messages = (page: Page, text: string) =>
  page.getByRole('list', { name: 'Messages' }).getByRole('listitem')
    .filter({ has: page.locator('.body', { hasText: text }) });

test('a reply quotes the start of its original and links to it', async ({ people, javaScriptEnabled }) => {
  const marker = `rp${tag()}`;
  const bobName = `Bob${tag()}`;
  const bob = await people.enter(bobName, true);
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await send(bob, `original ${marker} with **formatting** and more words after it`, true);
  // Without JavaScript Ada's page is not live: she loads it again.
  if (!javaScriptEnabled) await ada.reload();

  // Ada replies from the message's tools; the composer says to what.
  const original = messages(ada, `original ${marker}`);
  await original.hover();
  await original.getByRole('link', { name: 'Reply', exact: true }).click();
  const replying = ada.getByRole('group', { name: 'Replying to' });
  await expect(replying).toContainText(bobName);
  await expect(replying).toContainText(`original ${marker} with formatting and more`);
  await expect(ada.getByLabel('Message', { exact: true })).toBeFocused();
  await send(ada, `answer ${marker}`, javaScriptEnabled);
  await expect(replying).toHaveCount(0);

  // Both see the reply with its quote, live for Bob.
  for (const page of [bob, ada]) {
    const reply = messages(page, `answer ${marker}`);
    const quote = reply.getByRole('link', { name: new RegExp(`^Reply to ${bobName}`) });
    // The text as readers see it: the formatting marks are not quoted.
    await expect(quote).toContainText(`original ${marker} with formatting and more`);
    await expect(quote).toHaveAttribute('href', /\/r\/lobby\/m\/\d+#m\d+$/);
  }
  await expect(messages(ada, `answer ${marker}`)).toHaveAttribute('data-status', 'sent');

  // The quote leads to the original, highlighted in context.
  await messages(ada, `answer ${marker}`).getByRole('link', { name: new RegExp(`^Reply to ${bobName}`) }).click();
  await expect(ada).toHaveURL(/\/r\/lobby\/m\/\d+#m\d+$/);
  await expect(ada.locator('li.message.highlight')).toContainText(`original ${marker}`);

  // Bob deletes the original: the reply says so (live for a page with JavaScript).
  const onBob = messages(bob, `original ${marker}`);
  await onBob.hover();
  await onBob.getByRole('button', { name: 'Delete' }).click();
  const deleted = messages(bob, `answer ${marker}`).getByRole('link', { name: 'Reply to a deleted message' });
  await expect(deleted).toContainText('Reply to a deleted message');
  await ada.goto('/r/lobby');
  await expect(messages(ada, `answer ${marker}`).getByRole('link', { name: 'Reply to a deleted message' })).toBeVisible();
});

test('a reply can be cancelled before it is sent', async ({ people, javaScriptEnabled }) => {
  const marker = `rp${tag()}`;
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await send(ada, `first ${marker}`, javaScriptEnabled);
  const first = messages(ada, `first ${marker}`);
  await expect(first).toHaveAttribute('data-status', 'sent');
  await first.hover();
  await first.getByRole('link', { name: 'Reply', exact: true }).click();
  const replying = ada.getByRole('group', { name: 'Replying to' });
  await expect(replying).toContainText(`first ${marker}`);
  await replying.getByRole('link', { name: 'Cancel reply' }).click();
  await expect(replying).toHaveCount(0);
  await send(ada, `second ${marker}`, javaScriptEnabled);
  const second = messages(ada, `second ${marker}`);
  await expect(second).toHaveAttribute('data-status', 'sent');
  await expect(second.getByRole('link', { name: /^Reply to/ })).toHaveCount(0);
});

test('a reply and the box replying pass axe-core on a phone and a desktop, light and dark', async ({ people, javaScriptEnabled }) => {
  const marker = `rp${tag()}`;
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await send(ada, `question ${marker}: where do the deploy notes live, and who keeps them up to date these days?`, javaScriptEnabled);
  const question = messages(ada, `question ${marker}`);
  await expect(question).toHaveAttribute('data-status', 'sent');
  await question.hover();
  await question.getByRole('link', { name: 'Reply', exact: true }).click();
  await send(ada, `answer ${marker}`, javaScriptEnabled);
  const answer = messages(ada, `answer ${marker}`);
  await expect(answer).toHaveAttribute('data-status', 'sent');
  await answer.hover();
  await answer.getByRole('link', { name: 'Reply', exact: true }).click();
  await review(ada, 'replies', javaScriptEnabled, async () => {
    await expect(ada.getByRole('group', { name: 'Replying to' })).toContainText(`answer ${marker}`);
    await expect(answer.getByRole('link', { name: /^Reply to/ })).toContainText(`question ${marker}`);
  });
});
