// The AI assistant, answering through a local server that speaks the OpenAI streaming protocol
// (end2end/fake-openai.mjs). The asking page runs with JavaScript on and off; the watching page
// always runs it.
import { test, expect, tag, messages, send } from './fixtures';

test('an answer streams in on every page of the room, then stays', async ({ people, javaScriptEnabled }) => {
  const bob = await people.enter(`Bob${tag()}`, true);
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await expect(ada.getByLabel('Message', { exact: true })).toHaveAttribute('placeholder', /@assistant/);
  const question = `what is ${tag()}?`;
  await send(ada, `@assistant ${question}`, javaScriptEnabled);

  // Bob watches it being written, then sees it stored.
  const writing = bob.locator('li[data-status="streaming"]');
  await expect(writing).toContainText('Noted:');
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
