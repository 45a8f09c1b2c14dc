// Files: a picture attached with the paper clip shows in the message as a preview whose place is
// reserved before it loads, live for the other person; without JavaScript the paper clip leads to
// a form that does the same. Hydrated, files dropped on the message box or pasted into it attach
// too, a refused one says why, and other files are download links. Runs with JavaScript on and
// off (for the person attaching).
import { test, expect, tag, messages, review } from './fixtures';
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const HARBOUR = readFileSync(join(__dirname, 'assets', 'harbour.png')); // 800 × 450

/** Attaches `files` with the paper clip and sends them with `text`: the file picker when
 * JavaScript runs, the attach form otherwise. */
async function attach(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[], text: string, javaScriptEnabled: boolean) {
  const clip = page.getByRole('link', { name: 'Attach files' });
  if (javaScriptEnabled) {
    const chooser = page.waitForEvent('filechooser');
    await clip.click();
    await (await chooser).setFiles(files);
    const chips = page.getByRole('list', { name: 'Files to send' });
    for (const file of files) {
      await expect(chips.getByRole('listitem').filter({ hasText: file.name })).not.toHaveClass(/sending/);
    }
    await page.getByLabel('Message', { exact: true }).fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(chips).toHaveCount(0);
  } else {
    await clip.click();
    await expect(page).toHaveURL(/\/r\/lobby\/attach$/);
    await expect(page.getByRole('heading', { name: 'Attach a file' })).toBeVisible();
    await page.getByLabel('File', { exact: true }).setInputFiles(files[0]);
    await page.getByLabel('Message (optional)').fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page).toHaveURL(/\/r\/lobby$/);
  }
}

test('a picture shows in the message at its reserved size, live for the room', async ({ people, javaScriptEnabled }) => {
  const marker = `fl${tag()}`;
  const bob = await people.enter(`Bob${tag()}`, true);
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await attach(ada, [{ name: 'harbour.png', mimeType: 'image/png', buffer: HARBOUR }], `the harbour ${marker}`, javaScriptEnabled);

  for (const page of [ada, bob]) {
    const message = messages(page, `the harbour ${marker}`);
    await expect(message).toHaveAttribute('data-status', 'sent');
    const picture = message.getByRole('img', { name: 'harbour.png' });
    // The preview's size is in the markup (800 × 450 fitted into 320 × 240), so nothing moves
    // when it arrives; then it does arrive.
    await expect(picture).toHaveAttribute('width', '320');
    await expect(picture).toHaveAttribute('height', '180');
    await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(640);
    const box = await picture.boundingBox();
    expect(Math.round(box?.width ?? 0)).toBe(320);
    // The picture links to the whole file, served as the picture it is.
    const href = await message.locator('a.picture').getAttribute('href');
    const response = await page.request.get(href ?? '');
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('image/png');
    expect((await response.body()).equals(HARBOUR)).toBe(true);
  }
});

test('files dropped or pasted attach, a refused one says why, and documents are downloads', async ({ people, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'dropping and pasting files needs JavaScript; the form is covered above');
  const marker = `fl${tag()}`;
  const ada = await people.enter(`Ada${tag()}`, true);
  const bob = await people.enter(`Bob${tag()}`, true);
  // A text file dropped on the message box, an executable dropped too, a picture pasted.
  await ada.evaluate(() => {
    const drop = new DataTransfer();
    drop.items.add(new File(['tea at five\n'], 'notes.txt', { type: 'text/plain' }));
    drop.items.add(new File([new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0])], 'tool.exe'));
    const form = document.querySelector('form.composer');
    form?.dispatchEvent(new DragEvent('drop', { dataTransfer: drop, bubbles: true, cancelable: true }));
  });
  await ada.getByLabel('Message', { exact: true }).focus();
  await ada.evaluate((bytes) => {
    const paste = new DataTransfer();
    paste.items.add(new File([new Uint8Array(bytes)], 'screenshot.png', { type: 'image/png' }));
    document.getElementById('message')?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: paste, bubbles: true, cancelable: true }));
  }, [...HARBOUR]);
  const chips = ada.getByRole('list', { name: 'Files to send' });
  await expect(chips.getByRole('listitem')).toHaveCount(3);
  await expect(chips.getByRole('listitem').filter({ hasText: 'tool.exe' })).toContainText('is not a file Parley accepts');
  await expect(chips.getByRole('listitem').filter({ hasText: 'notes.txt' })).toContainText('bytes');
  await expect(chips.getByRole('listitem').filter({ hasText: 'screenshot.png' })).toContainText('KB');
  // The refused one is taken back; the two others go with the message.
  await chips.getByRole('button', { name: 'Remove tool.exe' }).click();
  await ada.getByLabel('Message', { exact: true }).fill(`two files ${marker}`);
  await ada.getByLabel('Message', { exact: true }).press('Enter');

  const seen = messages(bob, `two files ${marker}`);
  await expect(seen.getByRole('img', { name: 'screenshot.png' })).toBeVisible();
  const download = seen.getByRole('link', { name: /notes\.txt/ });
  await expect(download).toContainText('12 bytes');
  await expect(download).toHaveAttribute('download', 'notes.txt');
  const response = await bob.request.get((await download.getAttribute('href')) ?? '');
  expect(response.headers()['content-disposition']).toMatch(/^attachment; filename="notes.txt"/);
  expect(await response.text()).toBe('tea at five\n');
  await expect(messages(bob, 'tool.exe')).toHaveCount(0);
});

test('messages with files and the attach controls pass axe-core on a phone and a desktop, light and dark', async ({ people, javaScriptEnabled }) => {
  const marker = `fl${tag()}`;
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  await attach(ada, [{ name: 'harbour.png', mimeType: 'image/png', buffer: HARBOUR }], `look ${marker}`, javaScriptEnabled);
  await attach(ada, [{ name: 'minutes of the meeting.txt', mimeType: 'text/plain', buffer: Buffer.from('we met\n') }], `minutes ${marker}`, javaScriptEnabled);
  await expect(messages(ada, `minutes ${marker}`)).toHaveAttribute('data-status', 'sent');
  if (javaScriptEnabled) {
    // A file waiting to be sent, as a chip in the composer.
    const chooser = ada.waitForEvent('filechooser');
    await ada.getByRole('link', { name: 'Attach files' }).click();
    await (await chooser).setFiles({ name: 'agenda.txt', mimeType: 'text/plain', buffer: Buffer.from('1. files\n') });
  }
  await review(ada, 'files', javaScriptEnabled, async () => {
    await expect(messages(ada, `look ${marker}`).getByRole('img', { name: 'harbour.png' })).toBeVisible();
    await expect(messages(ada, `minutes ${marker}`).getByRole('link', { name: /minutes of the meeting\.txt/ })).toBeVisible();
    if (javaScriptEnabled) await expect(ada.getByRole('list', { name: 'Files to send' })).toContainText('agenda.txt');
  });
  // The form without JavaScript, and what it says when it refuses: the text is kept.
  await ada.goto('/r/lobby/attach');
  await ada.getByLabel('File').setInputFiles({ name: 'tool.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ\x90\x00\x03\x00') });
  await ada.getByLabel('Message (optional)').fill('hello');
  await ada.getByRole('button', { name: 'Send' }).click();
  await review(ada, 'attach-form', javaScriptEnabled, async () => {
    await expect(ada.getByRole('alert')).toContainText('tool.exe is not a file Parley accepts');
    await expect(ada.getByLabel('Message (optional)')).toHaveValue('hello');
  });
});
