// Signed-in flows with JavaScript on, two new users in separate browser contexts (their own
// cookies): sign up, sign in, post a crud and see it on home and on the profile, reply, like,
// follow, the notifications arriving for the other user, a direct message read by the other
// user, hashtag search, sign out. The flows build on each other and run in order.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, flow, launchChromium, newContext, startCruddur, unique } from '../lib/harness.js';

const SUITE = 'accounts';

describe('two new users, JavaScript on', () => {
  const id = unique();
  const ada = { name: 'Ada Lovelace', handle: `ada_${id}`, email: `ada_${id}@example.com` };
  const bob = { name: 'Bob Babbage', handle: `bob_${id}`, email: `bob_${id}@example.com` };
  const hashtag = `#e2e${id}`;
  const crudText = `Hello from a real browser, this crud expires tomorrow ${hashtag}`;
  const replyText = `Welcome aboard, @${ada.handle}!`;
  const dmText = `Psst ${ada.name.split(' ')[0]}, a direct message just for you (${id}).`;

  let server;
  let browser;
  let adaContext;
  let bobContext;
  let adaPage;
  let bobPage;
  let crudPath;
  const contexts = [];

  before(async () => {
    server = await startCruddur();
    browser = await launchChromium();
    adaContext = await newContext(browser, server.baseUrl);
    bobContext = await newContext(browser, server.baseUrl);
    contexts.push(adaContext, bobContext);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const run = (name, body) =>
    test(name, (t) => flow({ t, suite: SUITE, name, contexts, server }, body));

  const nav = (page) => page.getByRole('navigation', { name: 'Main' });
  const timeline = (page) => page.getByRole('region', { name: 'Timeline' });

  async function signUp(page, user) {
    await page.goto('/');
    await page.getByRole('complementary', { name: 'Sidebar' }).getByRole('link', { name: 'Sign up' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign up to Cruddur' }).waitFor();
    await page.getByLabel('Name').fill(user.name);
    await page.getByLabel('Handle').fill(user.handle);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('main').getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await nav(page).getByText(`@${user.handle}`).waitFor();
    assert.match(await nav(page).innerText(), new RegExp(`Signed in as\\s+${user.name}\\s+@${user.handle}`));
  }

  run('sign up two new users in separate contexts', async () => {
    adaPage = await adaContext.newPage();
    bobPage = await bobContext.newPage();
    await signUp(adaPage, ada);
    await signUp(bobPage, bob);

    // Each context holds its own session: Ada's page still shows Ada.
    await adaPage.reload();
    await nav(adaPage).getByText(`@${ada.handle}`).waitFor();
    assert.equal(await nav(adaPage).getByText(`@${bob.handle}`).count(), 0);
    // Signed in: the composer replaces the invitation.
    await adaPage.getByLabel('What would you like to say?').waitFor();
    assert.equal(await adaPage.getByRole('heading', { name: 'Join the party!' }).count(), 0);

    // The handle is taken now: the form says so next to the field.
    const again = await newContext(browser, server.baseUrl);
    contexts.push(again);
    const page = await again.newPage();
    await page.goto('/signup');
    await page.getByLabel('Name').fill('Another Ada');
    await page.getByLabel('Handle').fill(ada.handle);
    await page.getByLabel('Email').fill(`other_${ada.email}`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('main').getByRole('button', { name: 'Sign up' }).click();
    await page.locator('#handle-error').waitFor();
    assert.equal(await page.getByLabel('Handle').getAttribute('aria-invalid'), 'true');
    assert.ok((await page.locator('#handle-error').innerText()).trim().length > 0);
    await again.close();
    contexts.pop();
    return bobPage;
  });

  run('sign in', async () => {
    const context = await newContext(browser, server.baseUrl);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto('/signin');
    await page.getByRole('heading', { level: 1, name: 'Sign in to Cruddur' }).waitFor();

    // A wrong password is refused in plain words.
    await page.getByLabel('Handle or email').fill(ada.handle);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.form-error, .field-error').first().waitFor();
    assert.equal(await nav(page).getByText('Signed in as').count(), 0);
    assert.equal(await page.getByLabel('Handle or email').inputValue(), ada.handle);

    // By email, with the right password.
    await page.getByLabel('Handle or email').fill(ada.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await nav(page).getByText(`@${ada.handle}`).waitFor();

    // The session cookie is out of reach of scripts and not sent cross-site.
    const cookies = await context.cookies();
    const sessions = cookies.filter((c) => c.httpOnly);
    assert.ok(sessions.length >= 1, `an HttpOnly session cookie (cookies: ${cookies.map((c) => c.name)})`);
    const visible = await page.evaluate(() => document.cookie);
    for (const cookie of sessions) {
      assert.equal(cookie.sameSite, 'Lax', `${cookie.name} is SameSite=Lax`);
      assert.ok(!visible.includes(`${cookie.name}=`), `${cookie.name} is hidden from document.cookie`);
    }
    return page;
  });

  run('post a crud and see it on home and on the profile', async () => {
    const page = adaPage;
    // A post with Ada's cookie but without the form's CSRF token is refused.
    const forged = await page.request.post('/cruds', {
      form: { message: `forged ${id}`, ttl: '1-day' },
      maxRedirects: 0,
    });
    assert.ok(forged.status() >= 400 && forged.status() < 500, `forged post refused (${forged.status()})`);
    await page.goto('/');
    assert.equal(await page.getByText(`forged ${id}`).count(), 0);
    const box = page.getByLabel('What would you like to say?');
    await box.fill(crudText);
    // The live counter (the page's only script) counts as you type.
    await page.locator('#composer-count').filter({ hasText: `${[...crudText].length}/280` }).waitFor();
    const ttl = page.getByLabel('Expires in');
    assert.equal(await ttl.inputValue(), '7-days', 'seven days by default');
    assert.equal(await ttl.locator('option').count(), 7, 'seven choices');
    await ttl.selectOption({ label: '1 day' });
    await page.getByRole('main').getByRole('button', { name: 'Crud', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');

    const mine = timeline(page).getByRole('article').filter({ hasText: crudText });
    await mine.waitFor();
    assert.match(await mine.locator('.author').innerText(), new RegExp(`${ada.name}\\s+@${ada.handle}`));
    assert.match(await mine.locator('time.expires').innerText(), /expires in (1d|2[0-4]h)/);
    assert.match(await mine.locator('.counts').innerText(), /0 replies[\s\S]*0 reposts[\s\S]*0 likes/);
    assert.equal(await box.inputValue(), '', 'the composer is empty again');
    // Newest first.
    assert.equal(await timeline(page).getByRole('article').first().locator('p.message').innerText(), crudText);
    crudPath = await mine.locator('a.crud-time').getAttribute('href');
    assert.match(crudPath, new RegExp(`^/@${ada.handle}/status/[0-9a-f-]{36}$`));

    await nav(page).getByRole('link', { name: 'Profile' }).click();
    await page.waitForURL((url) => url.pathname === `/@${ada.handle}`);
    await page.getByRole('heading', { level: 1, name: ada.name }).waitFor();
    assert.match(await page.locator('.profile-counts').innerText(), /1 crud\b/);
    const feed = page.getByRole('region', { name: `Cruds by @${ada.handle}` });
    await feed.getByRole('article').filter({ hasText: crudText }).waitFor();
    // On one's own profile there is nobody to follow.
    assert.equal(await page.getByRole('button', { name: 'Follow', exact: true }).count(), 0);
    return page;
  });

  run('reply to the crud', async () => {
    const page = bobPage;
    await page.goto(`/@${ada.handle}`);
    const crud = page.getByRole('article').filter({ hasText: crudText });
    await crud.getByRole('link', { name: 'Reply', exact: true }).click();
    await page.waitForURL((url) => url.pathname === crudPath);
    await page.getByRole('heading', { level: 1, name: 'Crud' }).waitFor();
    const replies = page.getByRole('region', { name: 'Replies' });
    await replies.getByText('No replies yet.').waitFor();

    await page.getByLabel('Your reply').fill(replyText);
    await replies.getByRole('button', { name: 'Reply', exact: true }).click();
    await page.waitForURL((url) => url.pathname === crudPath);
    const reply = replies.getByRole('article').filter({ hasText: replyText });
    await reply.waitFor();
    assert.match(await reply.locator('.author').innerText(), new RegExp(`@${bob.handle}`));
    assert.match(await page.locator('main > article.crud .counts').innerText(), /1 reply\b/);
    return page;
  });

  run('like the crud', async () => {
    const page = bobPage;
    await page.goto(crudPath);
    const crud = page.locator('main > article.crud');
    assert.match(await crud.locator('.counts').innerText(), /0 likes/);
    await crud.getByRole('button', { name: 'Like', exact: true }).click();
    await page.waitForURL((url) => url.pathname === crudPath);
    await crud.locator('.counts').filter({ hasText: /1 like\b/ }).waitFor();
    // And on Ada's home timeline too.
    await adaPage.goto('/');
    await timeline(adaPage).getByRole('article').filter({ hasText: crudText })
      .locator('.counts').filter({ hasText: /1 reply\b[\s\S]*1 like\b/ }).waitFor();
    return page;
  });

  run('follow the author', async () => {
    const page = bobPage;
    await page.goto(`/@${ada.handle}`);
    assert.match(await page.locator('.profile-counts').innerText(), /0 followers/);
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await page.waitForURL((url) => url.pathname === `/@${ada.handle}`);
    await page.getByRole('button', { name: 'Unfollow', exact: true }).waitFor();
    assert.match(await page.locator('.profile-counts').innerText(), /1 follower\b/);
    return page;
  });

  run('the notifications arrive for the other user', async () => {
    const page = adaPage;
    await page.goto('/');
    await nav(page).getByRole('link', { name: 'Notifications' }).click();
    await page.waitForURL((url) => url.pathname === '/notifications');
    await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
    const items = page.locator('ol.notifications > li');
    const text = (await items.allInnerTexts()).join('\n');
    for (const what of ['replied to you', 'liked your crud', 'followed you']) {
      assert.match(text, new RegExp(`${bob.name}\\s+${what}`), `Ada sees “${bob.name} ${what}”`);
    }
    assert.ok(text.includes(replyText), 'the reply notification quotes the reply');
    // Bob has been notified of nothing.
    await bobPage.goto('/notifications');
    await bobPage.getByText('Nothing yet.', { exact: false }).waitFor();
    return page;
  });

  run('send a direct message and read it as the other user', async () => {
    await bobPage.goto(`/@${ada.handle}`);
    await bobPage.getByRole('link', { name: 'Message', exact: true }).click();
    await bobPage.waitForURL((url) => url.pathname === `/messages/@${ada.handle}`);
    await bobPage.getByRole('heading', { level: 1, name: `Messages with @${ada.handle}` }).waitFor();
    await bobPage.getByText('No messages yet: say hello.').waitFor();
    await bobPage.getByLabel('Your message').fill(dmText);
    await bobPage.getByRole('button', { name: 'Send', exact: true }).click();
    await bobPage.waitForURL((url) => url.pathname === `/messages/@${ada.handle}`);
    await bobPage.locator('ol.messages > li').filter({ hasText: dmText }).waitFor();

    const page = adaPage;
    await page.goto('/');
    await nav(page).getByRole('link', { name: 'Messages' }).click();
    await page.waitForURL((url) => url.pathname === '/messages');
    const conversation = page.locator('ol.conversations > li').filter({ hasText: `@${bob.handle}` });
    await conversation.waitFor();
    assert.ok((await conversation.locator('p.message').innerText()).includes(dmText), 'the last message is previewed');
    await conversation.getByRole('link', { name: new RegExp(`@${bob.handle}`) }).click();
    await page.waitForURL((url) => url.pathname === `/messages/@${bob.handle}`);
    await page.getByRole('heading', { level: 1, name: `Messages with @${bob.handle}` }).waitFor();
    const line = page.locator('ol.messages > li').filter({ hasText: dmText });
    await line.waitFor();
    assert.match(await line.locator('.author').innerText(), new RegExp(`@${bob.handle}`));
    return page;
  });

  run('search for a hashtag', async () => {
    const page = bobPage;
    await page.goto('/');
    const sidebar = page.getByRole('complementary', { name: 'Sidebar' });
    await sidebar.getByRole('searchbox', { name: 'Search cruds' }).fill(hashtag);
    await sidebar.getByRole('searchbox', { name: 'Search cruds' }).press('Enter');
    await page.waitForURL((url) => url.pathname === '/search');
    const results = page.getByRole('region', { name: 'Results' }).getByRole('article');
    await results.first().waitFor();
    assert.equal(await results.count(), 1, 'only Ada’s crud carries the new hashtag');
    assert.equal(await results.first().locator('p.message').innerText(), crudText);
    assert.match(await results.first().locator('.author').innerText(), new RegExp(`@${ada.handle}`));
    return page;
  });

  run('sign out', async () => {
    const page = adaPage;
    await page.goto('/');
    await nav(page).getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.getByRole('heading', { name: 'Join the party!' }).waitFor();
    assert.equal(await nav(page).getByText('Signed in as').count(), 0);
    assert.equal(await page.getByLabel('What would you like to say?').count(), 0);
    // Signed-in pages now ask to sign in.
    await page.goto('/notifications');
    await page.waitForURL(/\/signin/);
    await page.getByRole('heading', { level: 1, name: 'Sign in to Cruddur' }).waitFor();
    // Bob is still signed in in his own context.
    await bobPage.goto('/');
    await nav(bobPage).getByText(`@${bob.handle}`).waitFor();
    return page;
  });
});
