// The AI assistant, answering through a local server that speaks the OpenAI streaming protocol
// (end2end/fake-openai.mjs). The asking page runs with JavaScript on and off; the watching page
// always runs it.
import { test, expect, tag, messages, send } from './fixtures';

test('an answer streams in on every page of the room, then stays', async ({ people, javaScriptEnabled }) => {
  const bob = await people.enter(`Bob${tag()}`, true);
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await expect(ada.getByLabel('Message', { exact: true })).toHaveAttribute('placeholder', /@assistant/);
  const question = `explain ${tag()} step by step`;
  await send(ada, `@assistant ${question}`, javaScriptEnabled);

  // Bob watches it being written, then sees it stored.
  const writing = bob.locator('li[data-status="streaming"]');
  await expect(writing).toContainText('Noted:');
  await expect(writing).toContainText('step2');
  await expect(writing).toHaveCount(0);
  // The provider echoes the question with its asker's name: "Noted: Ada…: what is …?".
  const answer = messages(bob, question).filter({ hasText: 'Noted:' });
  await expect(answer).toHaveCount(1);
  await expect(answer).toHaveClass(/assistant/);
  await expect(answer.locator('.author')).toHaveText('Assistant');

  if (!javaScriptEnabled) await ada.reload();
  await expect(messages(ada, question).filter({ hasText: 'Noted:' })).toHaveCount(1);
});

test('the asker can stop an answer; what was written stays, marked', async ({ people, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'stopping a running answer needs JavaScript');
  const bob = await people.enter(`Bob${tag()}`, true);
  const ada = await people.enter(`Ada${tag()}`, true);
  await send(ada, `@assistant count slowly ${tag()}`, true);
  await expect(ada.locator('li[data-status="streaming"]')).toContainText('word2');
  // Only the asker gets the button.
  await expect(bob.locator('li[data-status="streaming"]')).toContainText('word2');
  await expect(bob.getByRole('button', { name: 'Stop' })).toHaveCount(0);

  await ada.getByRole('button', { name: 'Stop' }).click();
  const stopped = messages(bob, 'Stopped by');
  await expect(stopped).toHaveCount(1);
  await expect(stopped.locator('.body')).toContainText('word1 word2');
  await expect(stopped.locator('.body')).not.toContainText('word200');
  await expect(bob.locator('li[data-status="streaming"]')).toHaveCount(0);
  await expect(messages(ada, 'Stopped by')).toHaveCount(1);
});

test('a private conversation with the assistant, from the sidebar', async ({ people, javaScriptEnabled }) => {
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await ada.getByRole('button', { name: 'Private assistant' }).click();
  await expect(ada).toHaveURL(/\/r\/assistant-[0-9a-f]+$/);
  await expect(ada.getByRole('heading', { level: 1 })).toHaveText('#Private assistant');
  await expect(ada.getByLabel('Message', { exact: true })).toHaveAttribute('placeholder', 'Ask the assistant…');
  if (javaScriptEnabled) await expect(ada.getByRole('status')).toHaveAttribute('data-state', 'connected');
  const question = `just between us ${tag()}`;
  await send(ada, question, javaScriptEnabled);
  const answer = messages(ada, question).filter({ hasText: 'Noted:' });
  if (!javaScriptEnabled) {
    await expect(messages(ada, question)).toHaveCount(1);
    await expect(async () => {
      await ada.reload();
      await expect(answer).toHaveCount(1, { timeout: 500 });
    }).toPass();
  }
  await expect(answer).toHaveCount(1);

  // Someone else does not see it.
  const bob = await people.enter(`Bob${tag()}`, true);
  const sidebar = bob.getByRole('navigation', { name: 'Rooms' });
  await expect(sidebar.getByRole('link', { name: '#Lobby' })).toBeVisible();
  await expect(sidebar.locator(`a[href="${new URL(ada.url()).pathname}"]`)).toHaveCount(0);
  await expect(sidebar.getByRole('link', { name: /Private assistant/ })).toHaveCount(0);
  const response = await bob.goto(ada.url());
  expect(response?.status()).toBe(404);
});
