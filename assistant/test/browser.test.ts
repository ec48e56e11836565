// The assistant as a person sees it: Debian's Chromium (playwright-core) on the web app nginx serves,
// a prompt typed in the composer, the reply growing in a pending bubble of the bot, then final.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startSystem, type TestSystem } from '@chat/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { FakeModel, ollamaHead, ollamaLine } from './fake-model';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'artifacts', 'screenshots');

let system: TestSystem;
let browser: Browser;
const model = new FakeModel();

beforeAll(async () => {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
  await model.start();
  system = await startSystem({ gateways: 1, assistant: { env: { ASSISTANT_URL: model.url, ASSISTANT_STREAM_INTERVAL_MS: '0' } } });
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await model.stop();
});

async function signUpAndOpenRoom(page: Page, username: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
  await page.getByRole('button', { name: 'Create room' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a room' });
  await dialog.getByLabel('Room name').fill('ask the bot');
  await dialog.getByRole('button', { name: 'Create room' }).click();
  await page.getByRole('heading', { name: '# ask the bot' }).waitFor();
  await page.getByText('Connecting…').waitFor({ state: 'hidden' });
}

it('shows the composer hint, the reply growing in a pending bubble of the bot, then the final reply, as text', async () => {
  // The model writes the first half, then waits for the test to have seen it on screen.
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  model.answerWith(async (_request, res) => {
    ollamaHead(res);
    res.write(ollamaLine('Here is <b>half</b>'));
    await released;
    res.write(ollamaLine(' and the rest.'));
    res.end(ollamaLine('', true));
  });
  const context = await browser.newContext({ baseURL: system.baseUrl, viewport: { width: 1100, height: 700 } });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  try {
    await signUpAndOpenRoom(page, `ann_${Date.now().toString(36)}`);
    await page.getByText('Type @assistant to ask the assistant.').waitFor();

    const box = page.getByLabel('Message', { exact: true });
    await box.fill('@assistant explain streaming');
    await box.press('Enter');

    const log = page.getByRole('log', { name: 'Messages' });
    const pending = log.locator('[data-status="pending"]').filter({ hasText: 'Here is <b>half</b>' });
    await pending.waitFor();
    expect(await pending.textContent()).toContain('assistant');
    expect(await log.locator('b').count()).toBe(0); // the model's markup is text
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'assistant-streaming.png') });

    release();
    const final = log.locator('[data-status="sent"]').filter({ hasText: 'Here is <b>half</b> and the rest.' });
    await final.waitFor();
    await log.locator('[data-status="pending"]').waitFor({ state: 'detached' });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'assistant-final.png') });
  } finally {
    release();
    await context.close();
  }
});
