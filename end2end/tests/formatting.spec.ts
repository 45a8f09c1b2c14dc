// Formatting: a message written with the Markdown subset shows as formatted text for the person
// reading it live, after a reload and without JavaScript, with the same markup each way (the
// server and the browser render it with the same code); links open safely in a new tab; nothing
// typed becomes markup. The room with formatted messages passes axe-core on a phone and a
// desktop, light and dark. Runs with JavaScript on and off (for the writer).
import { test, expect, tag, send, messages, review } from './fixtures';
import type { Locator } from '@playwright/test';

/** A message body's markup, without the markers hydration leaves in server-rendered HTML. */
const markup = async (row: Locator) =>
  (await row.locator('.body').innerHTML()).replace(/<!--[^>]*-->/g, '');

test('formatted text reads the same live, after a reload and without JavaScript', async ({ people, javaScriptEnabled }) => {
  const marker = `fm${tag()}`;
  const bob = await people.enter(`Bob${tag()}`, true);
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  const text = [
    `**${marker}** is _ready_, ~~not~~ \`cargo run\` — see [the notes](https://example.org/notes) or https://example.org/x`,
    '',
    '> a quote',
    '',
    '- one',
    '- two',
    '',
    '```',
    'let x = "<b>not bold</b>";',
    '```',
    '',
    '<img src=x onerror=alert(1)> stays text',
  ].join('\n');
  await send(ada, text, javaScriptEnabled);

  // Bob's page draws it from the live event.
  const live = messages(bob, marker);
  await expect(live.locator('strong')).toHaveText(marker);
  await expect(live.locator('em')).toHaveText('ready');
  await expect(live.locator('s')).toHaveText('not');
  await expect(live.locator('p code')).toHaveText('cargo run');
  await expect(live.locator('blockquote')).toHaveText('a quote');
  await expect(live.locator('ul > li')).toHaveText(['one', 'two']);
  await expect(live.locator('pre code')).toHaveText('let x = "<b>not bold</b>";');
  // In the text (the author's picture beside it is an image of its own).
  await expect(live.locator('.body').locator('b, img')).toHaveCount(0);
  await expect(live.getByText('<img src=x onerror=alert(1)> stays text')).toBeVisible();
  const notes = live.getByRole('link', { name: 'the notes' });
  await expect(notes).toHaveAttribute('href', 'https://example.org/notes');
  await expect(notes).toHaveAttribute('rel', 'noopener noreferrer nofollow');
  await expect(notes).toHaveAttribute('target', '_blank');
  await expect(live.getByRole('link', { name: 'https://example.org/x' })).toHaveAttribute('href', 'https://example.org/x');
  const drawn = await markup(live);

  // The server renders the same markup: on Bob's reload (then hydrated) and without JavaScript.
  await bob.reload();
  await expect(bob.getByRole('status')).toHaveAttribute('data-state', 'connected');
  expect(await markup(messages(bob, marker))).toBe(drawn);
  const guest = await people.page(false);
  await guest.goto('/r/lobby');
  expect(await markup(messages(guest, marker))).toBe(drawn);
  // And the writer's own page, live or after the form's redirect.
  expect(await markup(messages(ada, marker))).toBe(drawn);
});

test('a room with formatted messages passes axe-core on a phone and a desktop, light and dark', async ({ people, javaScriptEnabled }) => {
  const marker = `fm${tag()}`;
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await send(ada, `**${marker}**: run \`cargo leptos watch\`, then read [the guide](https://example.org/guide)\n\n> quoted\n\n1. first\n2. second`, javaScriptEnabled);
  await send(ada, `\`\`\`\nfn main() {\n    println!("${marker}: a line long enough to wrap inside its own box on a phone screen");\n}\n\`\`\``, javaScriptEnabled);
  await expect(messages(ada, `${marker}: a line`)).toHaveAttribute('data-status', 'sent');
  await review(ada, 'formatting', javaScriptEnabled, async () => {
    await expect(messages(ada, marker).locator('strong')).toHaveText(marker);
  });
});
