/**
 * Living messages in Chromium: two users on two gateways react (the chip appears on the other side),
 * reply in a thread, edit, delete, and write Markdown, while markup stays inert. Screenshots of the
 * reactions and of a thread go to artifacts/screenshots.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import crypto from 'node:crypto';
import {
  api,
  BASE_URL,
  messageLog,
  PASSWORD,
  SCREENSHOT_DIR,
  sendMessage,
  twoUsersInARoom,
  uniqueUsername,
  useBrowserChat,
  waitForChat,
  waitForMessage,
} from './browser-support';

describe('message actions in the browser', () => {
  const chat = useBrowserChat();

  const userOn = (gateway: 'g1' | 'g2') => chat.userOn(gateway);

  /** The row of the message whose text contains `text`. */
  const row = (page: Page, text: string) => messageLog(page).getByRole('listitem').filter({ hasText: text }).first();

  it('react, reply in a thread, edit, delete and Markdown, seen live by the other user; markup stays text', async () => {
    const ann = await userOn('g1');
    const bob = await userOn('g2');
    await twoUsersInARoom(ann.page, bob.page, 'actions');

    // Markdown renders on both sides; raw HTML shows as typed and runs nothing.
    await sendMessage(ann.page, 'release is **done** and `v2` ~~later~~');
    for (const page of [ann.page, bob.page]) {
      const strong = row(page, 'release is').locator('strong');
      await strong.waitFor();
      expect(await strong.textContent()).toBe('done');
      expect(await row(page, 'release is').locator('code').textContent()).toBe('v2');
      expect(await row(page, 'release is').locator('del').textContent()).toBe('later');
    }
    const injection = '<script>window.__pwned = 1</script> **<img src=x onerror="window.__pwned = 1">**';
    await sendMessage(bob.page, injection);
    await row(ann.page, '<script>').waitFor();
    for (const page of [ann.page, bob.page]) {
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await messageLog(page).locator('img, script').count()).toBe(0);
    }

    // Bob reacts through the picker; the chip appears on Ann's side, and clicking it adds hers.
    const bobRow = row(bob.page, 'release is');
    await bobRow.hover();
    await bobRow.getByRole('button', { name: 'Add reaction' }).click();
    await bob.page.getByPlaceholder('Search emoji').fill('tada');
    await bob.page.getByRole('button', { name: 'React with tada' }).click();
    const annChip = row(ann.page, 'release is').getByRole('button', { name: /^🎉 1/ });
    await annChip.waitFor();
    await annChip.click();
    await row(bob.page, 'release is').getByRole('button', { name: /^🎉 2/ }).waitFor();
    expect(await row(ann.page, 'release is').getByRole('button', { name: /^🎉 2/ }).getAttribute('aria-pressed')).toBe('true');
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await ann.page.screenshot({ path: path.join(SCREENSHOT_DIR, 'reactions.png') });

    // Bob replies in the thread; Ann sees the count under the message and the reply in the panel.
    await bobRow.hover();
    await bobRow.getByRole('button', { name: 'Reply in thread' }).click();
    const bobThread = bob.page.getByRole('complementary', { name: 'Thread' });
    await bobThread.getByLabel('Message', { exact: true }).fill('shipping it tonight');
    await bobThread.getByLabel('Message', { exact: true }).press('Enter');
    await bobThread.getByText('shipping it tonight').waitFor();
    const summary = row(ann.page, 'release is').getByRole('button', { name: /1 reply/ });
    await summary.waitFor();
    await summary.click();
    const annThread = ann.page.getByRole('complementary', { name: 'Thread' });
    await annThread.getByText('shipping it tonight').waitFor();
    await annThread.getByLabel('Message', { exact: true }).fill('great, thanks');
    await annThread.getByLabel('Message', { exact: true }).press('Enter');
    await bobThread.getByText('great, thanks').waitFor();
    await row(bob.page, 'release is').getByRole('button', { name: /2 replies/ }).waitFor();
    // Replies stay in their thread, not in the room's timeline.
    expect(await messageLog(bob.page).getByText('shipping it tonight').count()).toBe(0);
    await ann.page.screenshot({ path: path.join(SCREENSHOT_DIR, 'thread.png') });
    await annThread.getByRole('button', { name: 'Close thread' }).click();

    // Ann edits her last message with Up-arrow in the empty composer; Bob sees the new text, "(edited)".
    const composer = ann.page.getByLabel('Message', { exact: true });
    await sendMessage(ann.page, 'meet at 5');
    await waitForMessage(bob.page, 'meet at 5');
    await composer.click();
    await composer.press('ArrowUp');
    const editor = ann.page.getByRole('textbox', { name: 'Edit message' });
    await editor.fill('meet at 6');
    await editor.press('Enter');
    await row(bob.page, 'meet at 6').getByText('(edited)').waitFor();

    // Ann deletes it (after confirming); Bob's copy turns into "message deleted".
    const annRow = row(ann.page, 'meet at 6');
    await annRow.hover();
    await annRow.getByRole('button', { name: 'Delete message' }).click();
    await ann.page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
    await messageLog(bob.page).getByText('message deleted').waitFor();
    expect(await messageLog(bob.page).getByText('meet at 6').count()).toBe(0);

    expect(ann.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  }, 180_000);

  it('copy link gives a URL that opens the room at that message, far back in history, flashed', async () => {
    const { registerUser, inviteAndAccept, connectSocket } = await import('@chat/testing');
    const writers = await Promise.all([1, 2, 3].map(() => registerUser(BASE_URL)));
    const bobUser = await registerUser(BASE_URL, uniqueUsername('bob'), PASSWORD);
    const roomName = `permalink ${Date.now().toString(36)}`;
    const { room } = await api<{ room: { id: string } }>('POST', '/api/rooms', { name: roomName, visibility: 'private' }, writers[0]!.token);
    for (const u of [...writers.slice(1), bobUser]) await inviteAndAccept(BASE_URL, writers[0]!.token, room.id, u);
    const sockets = await Promise.all(writers.map((w) => connectSocket(BASE_URL, w.token)));
    const say = async (i: number, body: string) => {
      const ack = await sockets[i % sockets.length]!.timeout(15_000).emitWithAck('message:send', { roomId: room.id, body, clientMsgId: crypto.randomUUID() });
      if (!ack.ok) throw new Error(`send refused: ${ack.error.code}`);
    };
    try {
      const bob = await userOn('g2');
      await bob.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
      await bob.page.goto('/');
      await bob.page.getByLabel('Username').fill(bobUser.user.username);
      await bob.page.getByLabel('Password').fill(PASSWORD);
      await bob.page.getByRole('button', { name: 'Log in' }).click();
      await waitForChat(bob.page);
      await bob.page.getByRole('link', { name: new RegExp(roomName) }).click();
      await say(0, 'the linked message');
      const target = row(bob.page, 'the linked message');
      await target.hover();
      await target.getByRole('button', { name: 'Copy link' }).click();
      const link = await bob.page.evaluate(() => navigator.clipboard.readText());
      expect(link).toMatch(new RegExp(`#/room/${room.id}\\?message=`));

      // Two pages of newer messages (three writers, under the per-user send rate): the newest page no longer holds it.
      for (let i = 0; i < 60; i++) await say(i, `filler ${i}`);
      await bob.page.goto(link); // a fresh load, as a shared link is opened
      await waitForChat(bob.page);
      const landed = row(bob.page, 'the linked message');
      await landed.and(bob.page.locator('.message--flash')).waitFor();
      // In view once the page has settled (the Markdown renderer's chunk may arrive after the first scroll).
      const inView = await bob.page
        .waitForFunction(
          (el) => {
            const box = el!.getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
          },
          await landed.elementHandle(),
          { timeout: 5_000 },
        )
        .then(
          () => true,
          () => false,
        );
      expect(inView).toBe(true);
      // One run of messages down to the newest: nothing between the linked page and the newest is missing.
      for (const i of [0, 30, 59]) expect(await messageLog(bob.page).getByText(`filler ${i}`, { exact: true }).count()).toBe(1);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await bob.page.screenshot({ path: path.join(SCREENSHOT_DIR, 'permalink.png') });
      expect(bob.errors).toEqual([]);
    } finally {
      for (const socket of sockets) socket.close();
    }
  }, 120_000);
});
