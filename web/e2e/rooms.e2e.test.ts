/**
 * Rooms in the browser (issue 16): two users on different gateways; an admin renames the room in the
 * settings dialog and sets its topic in place in the header, and the other member sees both live; the
 * owner kicks the other member from the members panel and both sides see it (the kicked user's room
 * leaves its sidebar, the owner's header counts one member less). A logged-out visitor opens an invite
 * link, sees the room's preview, signs up from it and lands in the room; the link's use shows in the
 * settings, and once revoked it leads nowhere. A display name set in the profile form shows on messages
 * and follows a change live.
 */
import type { Page } from 'playwright-core';
import {
  acceptInvitation,
  BASE_URL,
  createRoom,
  inviteByName,
  messageLog,
  sendMessage,
  signUp,
  uniqueUsername,
  useBrowserChat,
  waitForChat,
  waitForMessage,
} from './browser-support';

const PASSWORD = 'correct horse battery';

/**
 * Sets my display name the way the app's own calls do, with the page's session (there is no profile
 * dialog yet): a token from the refresh cookie, under the lock the app's refreshes take.
 */
/** Sets a display name and a status from the Account dialog's profile form. */
async function setProfile(page: Page, displayName: string, status: string): Promise<void> {
  await page.getByRole('button', { name: 'Account' }).click();
  const dialog = page.getByRole('dialog', { name: 'Account' });
  await dialog.getByLabel('Display name').fill(displayName);
  await dialog.getByLabel('Status').fill(status);
  await dialog.getByRole('button', { name: 'Save profile' }).click();
  await dialog.getByText('Profile saved.').waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();
}

describe('rooms in the browser', () => {
  const chat = useBrowserChat();

  const userOn = (gateway: 'g1' | 'g2') => chat.userOn(gateway);

  it('a rename and a topic set in place are seen live by the other member; a kick is seen by both sides', async () => {
    const ann = await userOn('g1');
    const bob = await userOn('g2');
    const [annName, bobName] = [uniqueUsername('ann'), uniqueUsername('bob')];
    const roomName = `rooms ${Date.now().toString(36)}`;
    await signUp(ann.page, annName, PASSWORD);
    await signUp(bob.page, bobName, PASSWORD);

    await createRoom(ann.page, roomName, 'private');
    await inviteByName(ann.page, roomName, bobName);
    await acceptInvitation(bob.page, roomName);
    await ann.page.getByText('2 members').first().waitFor();

    // Ann renames the room in its settings and sets the topic in place; Bob's header follows without a reload.
    await ann.page.getByRole('button', { name: 'Settings' }).click();
    const settings = ann.page.getByRole('dialog', { name: `Settings of # ${roomName}` });
    await settings.getByLabel('Room name').fill(`${roomName} renamed`);
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.getByText('Saved.').waitFor();
    await settings.getByRole('button', { name: 'Close' }).click();
    await bob.page.getByRole('heading', { name: `# ${roomName} renamed` }).waitFor();
    // The rename is a line of the room's timeline too (room.activity on the log), live on Bob's side.
    await bob.page.getByRole('log', { name: 'Messages' }).getByText(`${annName} renamed the room to “${roomName} renamed”`).waitFor();
    expect(await bob.page.getByRole('button', { name: 'Add a topic' }).count()).toBe(0);
    await ann.page.getByRole('button', { name: 'Add a topic' }).click();
    await ann.page.getByLabel('Room topic').fill('Quarterly planning');
    await ann.page.getByLabel('Room topic').press('Enter');
    await ann.page.getByLabel('Topic').filter({ hasText: 'Quarterly planning' }).waitFor();
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
    // The kick is a line among the messages, live, and still there after a reload (from the history).
    const kickLine = () => ann.page.getByRole('log', { name: 'Messages' }).getByText(`You removed ${bobName}`);
    await kickLine().waitFor();
    await ann.page.reload();
    await kickLine().waitFor();
    expect(ann.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  }, 120_000);
  it('a new user signs up from an invite link and lands in the room; the link counts the use, and revoked it leads nowhere', async () => {
    const ann = await userOn('g1');
    const cat = await userOn('g2');
    const [annName, catName] = [uniqueUsername('ann'), uniqueUsername('cat')];
    const roomName = `invited ${Date.now().toString(36)}`;
    await signUp(ann.page, annName, PASSWORD);
    await createRoom(ann.page, roomName, 'private');

    await ann.page.getByRole('button', { name: 'Settings' }).click();
    const settings = ann.page.getByRole('dialog', { name: `Settings of # ${roomName}` });
    await settings.getByRole('button', { name: 'Create invite link' }).click();
    const url = await settings.getByLabel('New invite link').inputValue();
    expect(url).toMatch(/\/invite\/[A-Za-z0-9_-]{32}$/);
    await settings.getByRole('button', { name: 'Close' }).click();

    // The link's origin is the deployment's (CORS_ORIGIN); the test system serves it on its own port.
    const { pathname } = new URL(url);
    await cat.page.goto(`${BASE_URL}${pathname}`);
    const preview = cat.page.getByRole('region', { name: 'Invitation' });
    await preview.getByRole('heading', { name: `# ${roomName}` }).waitFor();
    await preview.getByText('1 member', { exact: true }).waitFor();
    await cat.page.getByRole('button', { name: 'Create an account' }).click();
    await cat.page.getByLabel('Username').fill(catName);
    await cat.page.getByLabel('Password').fill(PASSWORD);
    await cat.page.getByRole('button', { name: 'Sign up' }).click();
    await waitForChat(cat.page);
    await cat.page.getByRole('heading', { name: `# ${roomName}` }).waitFor();
    expect(new URL(cat.page.url()).pathname).toBe('/');
    await cat.page.getByText('2 members').first().waitFor();
    // Ann's header follows the join live.
    await ann.page.getByText('2 members').first().waitFor();

    // The settings list the link with its use; Ann revokes it, and the link's page says it does not work.
    await ann.page.getByRole('button', { name: 'Settings' }).click();
    const links = ann.page.getByRole('dialog', { name: `Settings of # ${roomName}` }).getByRole('list', { name: 'Live invite links' });
    await links.getByRole('listitem').filter({ hasText: '1 use' }).getByRole('button', { name: 'Revoke' }).click();
    await links.getByText('No live links.').waitFor();
    await ann.page.getByRole('dialog', { name: `Settings of # ${roomName}` }).getByRole('button', { name: 'Close' }).click();
    const visitor = await userOn('g1');
    await visitor.page.goto(`${BASE_URL}${pathname}`);
    await visitor.page.getByText('This invite link does not work', { exact: false }).waitFor();
    expect(ann.errors).toEqual([]);
    expect(cat.errors).toEqual([]);
  }, 120_000);
  it('a display name set in the profile form shows on messages; the name opens a profile card whose "Message" opens the DM', async () => {
    const ann = await userOn('g1');
    const bob = await userOn('g2');
    const [annName, bobName] = [uniqueUsername('ann'), uniqueUsername('bob')];
    const roomName = `names ${Date.now().toString(36)}`;
    await signUp(ann.page, annName, PASSWORD);
    await signUp(bob.page, bobName, PASSWORD);
    await setProfile(bob.page, 'Bob the Builder', 'Fixing it');

    await createRoom(bob.page, roomName, 'private');
    await sendMessage(bob.page, 'hello from bob');
    await waitForMessage(bob.page, 'hello from bob', { sent: true });
    await inviteByName(bob.page, roomName, annName);

    await acceptInvitation(ann.page, roomName);
    await waitForMessage(ann.page, 'hello from bob');
    const sender = messageLog(ann.page).locator('.message__sender', { hasText: 'Bob the Builder' });
    await sender.first().waitFor();
    expect(await sender.first().getAttribute('title')).toBe(`@${bobName}`);
    expect(await messageLog(ann.page).locator('.message__sender', { hasText: bobName }).count()).toBe(0);
    // The name opens Bob's card: his username and status; "Message" opens our direct conversation.
    await sender.first().click();
    const card = ann.page.getByRole('dialog', { name: 'Bob the Builder' });
    await card.getByText(`@${bobName}`).waitFor();
    await card.getByText('Fixing it').waitFor();
    await card.getByRole('button', { name: 'Message' }).click();
    await card.waitFor({ state: 'hidden' });
    await ann.page.getByRole('heading', { name: bobName, exact: true }).waitFor();

    // Bob renames himself: Ann's view of their room shows the new name without a reload.
    await ann.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: new RegExp(roomName) }).click();
    await setProfile(bob.page, 'Robert', 'Fixing it');
    await messageLog(ann.page).locator('.message__sender', { hasText: 'Robert' }).first().waitFor();
    expect(ann.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  }, 120_000);
});
