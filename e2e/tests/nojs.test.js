// The crud and reply flows with JavaScript disabled: every form posts and redirects
// (post/redirect/get), and errors come back from the server next to the field.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD, flow, launchChromium, newContext, startCruddur, unique } from '../lib/harness.js';

const SUITE = 'nojs';

describe('JavaScript disabled', () => {
  const id = unique();
  const cleo = { name: 'Cleo NoScript', handle: `cleo_${id}`, email: `cleo_${id}@example.com` };
  const crudText = `Posted without a single line of JavaScript #nojs${id} <script>alert(1)</script>`;
  const replyText = `Replied without JavaScript too (${id}).`;

  let server;
  let browser;
  let cleoContext;
  let londoContext;
  let crudPath;
  const contexts = [];

  before(async () => {
    server = await startCruddur();
    browser = await launchChromium();
    cleoContext = await newContext(browser, server.baseUrl, { javaScript: false });
    londoContext = await newContext(browser, server.baseUrl, { javaScript: false });
    contexts.push(cleoContext, londoContext);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const run = (name, body) =>
    test(name, (t) => flow({ t, suite: SUITE, name, contexts, server }, body));

  const nav = (page) => page.getByRole('navigation', { name: 'Main' });

  run('post a crud without JavaScript', async () => {
    const page = await cleoContext.newPage();
    await page.goto('/signup');
    await page.getByLabel('Name').fill(cleo.name);
    await page.getByLabel('Handle').fill(cleo.handle);
    await page.getByLabel('Email').fill(cleo.email);
    await page.getByLabel('Password').fill('no scripts needed');
    await page.getByRole('main').getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await nav(page).getByText(`@${cleo.handle}`).waitFor();

    // The page's script did not run: it would have taken maxlength away from the text box.
    // The counter shown is the server's.
    const box = page.getByLabel('What would you like to say?');
    assert.equal(await page.locator('#composer-count').innerText(), '0/280');
    assert.equal(await box.getAttribute('maxlength'), '280');

    // An empty crud is posted anyway (no script to stop it) and refused by the server, in words.
    await page.getByRole('main').getByRole('button', { name: 'Crud', exact: true }).click();
    await page.locator('#message-error').waitFor();
    assert.ok((await page.locator('#message-error').innerText()).trim().length > 0);
    assert.equal(await box.getAttribute('aria-invalid'), 'true');

    await box.fill(crudText);
    await page.getByLabel('Expires in').selectOption({ label: '3 hours' });
    await page.getByRole('main').getByRole('button', { name: 'Crud', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
    const mine = page.getByRole('region', { name: 'Timeline' }).getByRole('article').filter({ hasText: crudText });
    await mine.waitFor();
    // User text is escaped: the <script> shows as text, and no script element came of it.
    assert.equal(await mine.locator('p.message').innerText(), crudText);
    assert.equal(await mine.locator('script').count(), 0);
    assert.match(await mine.locator('time.expires').innerText(), /expires in (3h|2h|1\d\dm|\d\dm)/);
    assert.equal(await page.locator('#composer-count').innerText(), '0/280');
    crudPath = await mine.locator('a.crud-time').getAttribute('href');

    await page.goto(`/@${cleo.handle}`);
    await page.getByRole('region', { name: `Cruds by @${cleo.handle}` })
      .getByRole('article').filter({ hasText: crudText }).waitFor();
    await page.goto('/');
    return page;
  });

  run('reply without JavaScript', async () => {
    // A demo user signs in (no JS) and replies to Cleo's crud.
    const page = await londoContext.newPage();
    await page.goto('/signin');
    await page.getByLabel('Handle or email').fill('londo');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await nav(page).getByText('@londo').waitFor();

    await page.goto(crudPath);
    const replies = page.getByRole('region', { name: 'Replies' });
    // An empty reply is refused next to the field.
    await replies.getByRole('button', { name: 'Reply', exact: true }).click();
    await page.locator('#message-error').waitFor();
    assert.equal(await page.getByLabel('Your reply').getAttribute('aria-invalid'), 'true');

    await page.getByLabel('Your reply').fill(replyText);
    await replies.getByRole('button', { name: 'Reply', exact: true }).click();
    await page.waitForURL((url) => url.pathname === crudPath);
    const reply = replies.getByRole('article').filter({ hasText: replyText });
    await reply.waitFor();
    assert.match(await reply.locator('.author').innerText(), /@londo/);
    assert.match(await page.locator('main > article.crud .counts').innerText(), /1 reply\b/);
    assert.equal(await page.locator('#message-error').count(), 0);

    // Liking works the same way: the form posts and comes back to the crud.
    await page.locator('main > article.crud').getByRole('button', { name: 'Like', exact: true }).click();
    await page.waitForURL((url) => url.pathname === crudPath);
    await page.locator('main > article.crud .counts').filter({ hasText: /1 like\b/ }).waitFor();

    // Cleo sees the reply on her crud, and the notification.
    const cleoPage = cleoContext.pages()[0];
    await cleoPage.goto('/notifications');
    const text = (await cleoPage.locator('ol.notifications > li').allInnerTexts()).join('\n');
    assert.match(text, /replied to you/);
    assert.match(text, /liked your crud/);
    return page;
  });
});
