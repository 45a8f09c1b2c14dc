// The admin page: a server admin (granted with `parley admin grant`) sees the node's figures,
// the admins and the latest moderation actions, live with JavaScript (as of the page's load
// without, and after a reload); a member gets 403 and no link. The page passes axe-core on a
// phone and a desktop, light and dark (axe in the run with JavaScript). Runs with JavaScript on
// and off for the admin.
import { test, expect, tag, send, grantAdmin, axeViolations, createRoom, accountMenu } from './fixtures';

test('a server admin watches the node and its moderation; a member is refused', async ({ people, javaScriptEnabled }) => {
  const adaName = `Ada${tag()}`;
  const bobName = `Bob${tag()}`;
  const cyName = `Cy${tag()}`;
  const bob = await people.enter(bobName, true);
  const cy = await people.enter(cyName, true);
  const ada = await people.enter(adaName, javaScriptEnabled);

  const refused = await bob.goto('/admin');
  expect(refused?.status()).toBe(403);
  await expect(bob.getByText('The admin page is for server admins.')).toBeVisible();
  await bob.goto('/r/lobby');
  await expect(bob.getByRole('status')).toHaveAttribute('data-state', 'connected');
  await expect(bob.getByRole('link', { name: 'Admin', exact: true })).toHaveCount(0);

  grantAdmin(adaName);
  await ada.reload();
  await accountMenu(ada);
  await ada.getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(ada).toHaveURL(/\/admin$/);
  await expect(ada.getByRole('heading', { level: 1 })).toHaveText('Admin');
  await expect(ada.getByTestId('admins')).toContainText(adaName);
  await expect(ada.getByTestId('moderation').getByRole('listitem').filter({ hasText: `parley admin made server admin ${adaName} (server-wide)` })).toHaveCount(1);
  await expect(ada.getByTestId('admin-status')).toContainText(javaScriptEnabled ? 'Live' : 'As of');

  // Bob owns a room and bans Cy from it: the admin's page lists it (live with JavaScript).
  const room = `Den ${tag()}`;
  await createRoom(bob, room);
  await expect(bob.getByRole('heading', { level: 1 })).toHaveText(`#${room}`);
  await cy.goto(bob.url());
  await expect(cy.getByRole('status')).toHaveAttribute('data-state', 'connected');
  await send(cy, `hello from ${cyName}`, true);
  await bob.reload();
  await bob.getByRole('list', { name: 'Members' }).getByRole('button', { name: `Ban ${cyName}` }).click();
  await expect(bob.getByRole('list', { name: 'Banned' }).getByText(cyName)).toBeVisible();
  await expect(bob.getByRole('status')).toHaveAttribute('data-state', 'connected');
  if (!javaScriptEnabled) await ada.reload();
  await expect(ada.getByTestId('moderation').getByRole('listitem').first()).toContainText(`${bobName} banned ${cyName} in ${room}`);
  // Bob's page is open on his room: the busiest rooms list it, linked.
  await expect(ada.getByTestId('busiest').getByRole('link', { name: room })).toBeVisible();
});

test('the admin page passes axe-core on a phone and a desktop, light and dark', async ({ people, javaScriptEnabled }) => {
  const name = `Axe${tag()}`;
  const page = await people.enter(name, javaScriptEnabled);
  grantAdmin(name);
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize(viewport);
      await page.goto('/admin');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Admin');
      if (javaScriptEnabled) await expect(page.getByTestId('admin-status')).toContainText('Live');
      if (javaScriptEnabled) expect(await axeViolations(page), `${colorScheme}, ${viewport.width} px`).toEqual([]);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, 'no sideways scrolling').toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: test.info().outputPath(`admin-${colorScheme}-${viewport.width}.png`), fullPage: true });
    }
  }
});
