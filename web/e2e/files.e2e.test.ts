/**
 * Files in the browser: real Chromium, the app nginx serves, uploads through presigned URLs to the test
 * run's S3 server (versitygw). Ann attaches images by the button and by paste and a PDF; Bob sees the
 * previews, opens the lightbox and downloads the PDF. Ann sets an avatar (the square she places) that Bob
 * sees beside her messages, and attaches an image to a thread reply that Bob sees in the thread.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { acceptInvitation, createRoom, inviteByName, messageLog, SCREENSHOT_DIR, seriousViolations, signUpPair, twoUsersInARoom, useBrowserChat, waitForMessage } from './browser-support';

const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n% a test document\n'), Buffer.alloc(2000, 0x20), Buffer.from('\n%%EOF\n')]);

const picture = (width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } })
    .composite([{ input: Buffer.from(`<svg width="${width}" height="${height}"><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="white"/></svg>`) }])
    .png({ compressionLevel: 0 })
    .toBuffer();

/** A picture whose left half is `left` and right half `right`: where the avatar's square was taken shows. */
const halves = (width: number, height: number, left: string, right: string) =>
  sharp({ create: { width, height, channels: 3, background: left } })
    .composite([{ input: Buffer.from(`<svg width="${width}" height="${height}"><rect x="${width / 2}" width="${width / 2}" height="${height}" fill="${right}"/></svg>`) }])
    .png({ compressionLevel: 0 })
    .toBuffer();

/**
 * Expects a loaded image to be `want` (red or blue) at three points across its middle, read back from its
 * pixels in the page: a square taken from one half is that colour all the way. Waits for it (a preview is
 * redrawn after each move), then asserts on what is there.
 */
async function expectColours(page: Page, selector: string, want: string[]): Promise<void> {
  const read = ([css, wanted]: [string, string[] | null]) => {
    const img = document.querySelector<HTMLImageElement>(css);
    if (!img || !img.complete || img.naturalWidth === 0) return undefined;
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
    const context = canvas.getContext('2d')!;
    context.drawImage(img, 0, 0);
    const got = [0.1, 0.5, 0.9].map((f) => {
      const [r, , b] = context.getImageData(Math.floor(f * canvas.width), Math.floor(canvas.height / 2), 1, 1).data;
      return r! > 180 && b! < 80 ? 'red' : b! > 180 && r! < 80 ? 'blue' : `rgb ${r} ${b}`;
    });
    return wanted === null || got.join() === wanted.join() ? got : undefined;
  };
  await page.waitForFunction(read, [selector, want] as [string, string[]], { timeout: 15_000 }).catch(() => undefined);
  expect(await (await page.waitForFunction(read, [selector, null] as [string, null], { timeout: 30_000 })).jsonValue()).toEqual(want);
}

describe('files in the browser', () => {
  // With the thumbnail worker: Bob's previews become thumbnails live (attachment:updated).
  const chat = useBrowserChat({ thumbnails: true });

  const userOn = (gateway: 'g1' | 'g2') => chat.userOn(gateway);

  /** Slows the page's uploads so the progress bar can be seen (Chromium's network emulation). */
  async function throttleUploads(context: BrowserContext, page: Page, bytesPerSecond: number) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
    return () => cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  }

  it(
    'attaches by the button and by paste with a progress bar; the other member sees previews, opens the lightbox and downloads a PDF',
    async () => {
      const ann = await userOn('g1');
      const bob = await userOn('g2');
      await twoUsersInARoom(ann.page, bob.page, 'files');

      // By the button: the file chooser, a big uncompressed PNG on a slow uplink, so its progress bar shows.
      const beach = await picture(900, 600, '#2a7fbf');
      const unthrottle = await throttleUploads(ann.context, ann.page, 400 * 1024);
      const chooser = ann.page.waitForEvent('filechooser');
      await ann.page.getByRole('button', { name: 'Attach files' }).click();
      await (await chooser).setFiles({ name: 'beach.png', mimeType: 'image/png', buffer: beach });
      await ann.page.getByRole('progressbar', { name: 'Uploading beach.png' }).waitFor();
      await ann.page.getByRole('progressbar').waitFor({ state: 'detached', timeout: 60_000 });
      await unthrottle();
      await ann.page.getByLabel('Message', { exact: true }).fill('the beach');
      await ann.page.getByLabel('Message', { exact: true }).press('Enter');
      await waitForMessage(ann.page, 'the beach', { sent: true });

      // By paste: an image from the clipboard goes into the composer like a chosen file.
      const sunset = await picture(600, 800, '#d9682b');
      await ann.page.getByLabel('Message', { exact: true }).focus();
      await ann.page.evaluate((bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], 'sunset.png', { type: 'image/png' }));
        document.activeElement!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
      }, [...sunset]);
      await ann.page.getByRole('listitem').filter({ hasText: 'sunset.png' }).waitFor();
      await ann.page.getByRole('button', { name: 'Send' }).and(ann.page.locator(':not([disabled])')).waitFor();
      await ann.page.getByRole('button', { name: 'Send' }).click();

      // And a PDF, which is a card.
      const pdfChooser = ann.page.waitForEvent('filechooser');
      await ann.page.getByRole('button', { name: 'Attach files' }).click();
      await (await pdfChooser).setFiles({ name: 'minutes.pdf', mimeType: 'application/pdf', buffer: PDF });
      await ann.page.getByRole('button', { name: 'Send' }).and(ann.page.locator(':not([disabled])')).waitFor();
      await ann.page.getByLabel('Message', { exact: true }).fill('the minutes');
      await ann.page.getByLabel('Message', { exact: true }).press('Enter');

      // Bob's side: both previews load (real images from object storage), then the card.
      const log = messageLog(bob.page);
      for (const name of ['beach.png', 'sunset.png']) {
        await log.getByRole('img', { name }).waitFor();
        await bob.page.waitForFunction((alt) => {
          const img = document.querySelector<HTMLImageElement>(`img[alt="${alt}"]`);
          return !!img && img.complete && img.naturalWidth > 0;
        }, name);
      }
      await waitForMessage(bob.page, 'the minutes');
      // The worker's thumbnail replaces the original in place, live: 400 px wide (beach is 900 × 600).
      await bob.page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('img[alt="beach.png"]');
        return !!img && img.complete && img.naturalWidth === 400;
      }, undefined, { timeout: 60_000 });

      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await bob.page.screenshot({ path: path.join(SCREENSHOT_DIR, 'room-with-images.png') });

      await log.getByRole('button', { name: 'Open beach.png' }).click();
      const lightbox = bob.page.getByRole('dialog', { name: 'beach.png' });
      await lightbox.getByRole('img', { name: 'beach.png' }).waitFor();
      const natural = await lightbox.getByRole('img', { name: 'beach.png' }).evaluate((img: HTMLImageElement) => new Promise<number[]>((resolve) => {
        const done = () => resolve([img.naturalWidth, img.naturalHeight]);
        if (img.complete) done();
        else img.onload = done;
      }));
      expect(natural).toEqual([900, 600]); // the original, not the thumbnail
      await bob.page.screenshot({ path: path.join(SCREENSHOT_DIR, 'lightbox.png') });
      await lightbox.getByRole('button', { name: 'Close' }).click();

      const download = bob.page.waitForEvent('download');
      await log.getByRole('listitem').filter({ hasText: 'minutes.pdf' }).getByRole('button', { name: 'Download' }).last().click();
      const file = await download;
      expect(file.suggestedFilename()).toBe('minutes.pdf');
      const saved = await file.path();
      expect((await import('node:fs')).readFileSync(saved)).toEqual(PDF);

      expect(ann.errors).toEqual([]);
      expect(bob.errors).toEqual([]);
    },
    300_000,
  );

  it(
    'an avatar chosen in the Account dialog is cropped to the square the user places and shown beside messages; a thread reply carries an image',
    async () => {
      const ann = await userOn('g1');
      const bob = await userOn('g2');
      const { bobName } = await signUpPair(ann.page, bob.page);
      const roomName = `faces ${Date.now().toString(36)}`;

      // A wide picture, red on the left and blue on the right: Ann drags the square to the right, then puts it
      // on the left with the slider; the browser crops that square to the 256 px avatar everyone sees.
      await ann.page.getByRole('button', { name: 'Account' }).click();
      const account = ann.page.getByRole('dialog', { name: 'Account' });
      const chooser = ann.page.waitForEvent('filechooser');
      await account.getByRole('button', { name: 'Choose picture' }).click();
      await (await chooser).setFiles({ name: 'me.png', mimeType: 'image/png', buffer: await halves(600, 300, '#ff0000', '#0000ff') });
      const frame = account.getByTestId('avatar-frame');
      const box = (await frame.boundingBox())!;
      await ann.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await ann.page.mouse.down();
      await ann.page.mouse.move(box.x + box.width * 2, box.y + box.height / 2, { steps: 5 }); // past the edge: stops there
      await ann.page.mouse.up();
      await expectColours(ann.page, '.avatar-editor img', ['blue', 'blue', 'blue']);
      await account.getByLabel('Left to right').fill('0');
      await expectColours(ann.page, '.avatar-editor img', ['red', 'red', 'red']);
      expect(await seriousViolations(ann.page, 'account dialog with the square picker')).toEqual([]);
      await account.getByRole('button', { name: 'Save picture' }).click();
      await account.getByRole('button', { name: 'Remove picture' }).waitFor();
      await account.getByRole('button', { name: 'Close' }).click();

      await createRoom(ann.page, roomName, 'private');
      await inviteByName(ann.page, roomName, bobName);
      await acceptInvitation(bob.page, roomName);
      await ann.page.getByLabel('Message', { exact: true }).fill('who is this');
      await ann.page.getByLabel('Message', { exact: true }).press('Enter');
      await waitForMessage(bob.page, 'who is this');
      // Beside Ann's message on Bob's side: her picture, square, from object storage through the gateway's link.
      const size = await bob.page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('.message__avatar img');
        return img && img.complete && img.naturalWidth > 0 ? [img.naturalWidth, img.naturalHeight] : undefined;
      }, undefined, { timeout: 30_000 });
      expect(await size.jsonValue()).toEqual([256, 256]);
      await expectColours(bob.page, '.message__avatar img', ['red', 'red', 'red']); // the square Ann chose

      // A reply in the thread, with an image attached from the thread's own composer.
      const annRow = messageLog(ann.page).getByRole('listitem').filter({ hasText: 'who is this' });
      await annRow.hover();
      await annRow.getByRole('button', { name: 'Reply in thread' }).click();
      const annThread = ann.page.getByRole('complementary', { name: 'Thread' });
      const replyChooser = ann.page.waitForEvent('filechooser');
      await annThread.getByRole('button', { name: 'Attach files' }).click();
      await (await replyChooser).setFiles({ name: 'reply.png', mimeType: 'image/png', buffer: await picture(300, 200, '#2abf7a') });
      await annThread.getByRole('button', { name: 'Send' }).and(ann.page.locator(':not([disabled])')).waitFor();
      await annThread.getByLabel('Message', { exact: true }).fill('me, last summer');
      await annThread.getByLabel('Message', { exact: true }).press('Enter');
      await annThread.getByRole('img', { name: 'reply.png' }).waitFor();

      const summary = messageLog(bob.page).getByRole('listitem').filter({ hasText: 'who is this' }).getByRole('button', { name: /1 reply/ });
      await summary.click();
      const bobThread = bob.page.getByRole('complementary', { name: 'Thread' });
      await bobThread.getByText('me, last summer').waitFor();
      await bobThread.getByRole('img', { name: 'reply.png' }).waitFor();
      await bob.page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('.thread-panel img[alt="reply.png"]');
        return !!img && img.complete && img.naturalWidth > 0;
      });
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await bob.page.screenshot({ path: path.join(SCREENSHOT_DIR, 'avatar-and-thread-image.png') });

      expect(ann.errors).toEqual([]);
      expect(bob.errors).toEqual([]);
    },
    300_000,
  );
});
