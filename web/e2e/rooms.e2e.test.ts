/**
 * Rooms in the browser (issue 16): two users on different gateways; an admin renames the room and sets
 * its topic in the settings dialog and the other member sees it live; the owner kicks the other member
 * from the members panel and both sides see it (the kicked user's room leaves its sidebar, the owner's
 * header counts one member less).
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { collectPageErrors, contextOnGateway, launchBrowser, signUp, startChat, uniqueUsername } from './browser-support';

const PASSWORD = 'correct horse battery';

describe('rooms in the browser', () => {
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let stopChat: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    stopChat = await startChat();
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stopChat?.();
  });

  async function userOn(gateway: 'g1' | 'g2') {
    const context = await contextOnGateway(browser, gateway);
    contexts.push(context);
    const page = await context.newPage();
    return { page, errors: collectPageErrors(page) };
  }

  it('a rename and a topic are seen live by the other member; a kick is seen by both sides', async () => {
    const ann = await userOn('g1');
    const bob = await userOn('g2');
    const [annName, bobName] = [uniqueUsername('ann'), uniqueUsername('bob')];
    const roomName = `rooms ${Date.now().toString(36)}`;
    await signUp(ann.page, annName, PASSWORD);
    await signUp(bob.page, bobName, PASSWORD);

    await ann.page.getByRole('button', { name: 'Create room' }).click();
    const createDialog = ann.page.getByRole('dialog', { name: 'Create a room' });
    await createDialog.getByLabel('Room name').fill(roomName);
    await createDialog.getByLabel(/^Private/).check();
    await createDialog.getByRole('button', { name: 'Create room' }).click();
    await ann.page.getByRole('heading', { name: `# ${roomName}` }).waitFor();
    await ann.page.getByRole('button', { name: 'Invite' }).click();
    const inviteDialog = ann.page.getByRole('dialog', { name: `Invite to # ${roomName}` });
    await inviteDialog.getByLabel('Username').fill(bobName);
    await inviteDialog.getByRole('button', { name: 'Invite' }).click();
    await inviteDialog.waitFor({ state: 'hidden' });
    await bob.page.getByRole('button', { name: `Accept invitation to ${roomName}` }).click();
    await bob.page.getByRole('heading', { name: `# ${roomName}` }).waitFor();
    await ann.page.getByText('2 members').first().waitFor();

    // Ann renames the room and sets a topic; Bob's header follows without a reload.
    await ann.page.getByRole('button', { name: 'Settings' }).click();
    const settings = ann.page.getByRole('dialog', { name: `Settings of # ${roomName}` });
    await settings.getByLabel('Room name').fill(`${roomName} renamed`);
    await settings.getByLabel('Topic').fill('Quarterly planning');
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.getByText('Saved.').waitFor();
    await settings.getByRole('button', { name: 'Close' }).click();
    await bob.page.getByRole('heading', { name: `# ${roomName} renamed` }).waitFor();
    await bob.page.getByLabel('Topic').filter({ hasText: 'Quarterly planning' }).waitFor();

    // Ann kicks Bob from the members panel: Bob's room goes, Ann's header counts one member.
    await ann.page.getByRole('button', { name: 'Members' }).click();
    const panel = ann.page.getByRole('dialog', { name: `Members of # ${roomName} renamed` });
    await panel.getByRole('button', { name: `Kick ${bobName}` }).click();
    await panel.getByRole('listitem').filter({ hasText: bobName }).waitFor({ state: 'detached' });
    await panel.getByRole('button', { name: 'Close' }).click();
    await ann.page.getByText('1 member', { exact: false }).first().waitFor();
    await bob.page.getByRole('heading', { name: `# ${roomName} renamed` }).waitFor({ state: 'detached' });
    expect(await bob.page.getByText(`${roomName} renamed`).count()).toBe(0);
    expect(ann.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  }, 120_000);
});
