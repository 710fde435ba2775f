// What a new user expects of the product, JavaScript on: one toggle per action that shows
// its state, deleting one's own crud after a confirm step, editing one's profile, and a
// feed of the people one follows.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_HANDLES, flow, launchChromium, newContext, signUpWith, startCruddur, unique,
} from '../lib/harness.js';

const SUITE = 'product';

describe('a new user, JavaScript on', () => {
  const id = unique();
  const me = { name: 'Ada Lovelace', handle: `ada_${id}` };
  const text = `A crud to regret ${id}`;
  let server;
  let browser;
  let context;
  let page;
  const contexts = [];

  before(async () => {
    server = await startCruddur();
    browser = await launchChromium();
    context = await newContext(browser, server.baseUrl);
    contexts.push(context);
    page = await context.newPage();
    await signUpWith(page, me);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const run = (name, body) =>
    test(name, (t) => flow({ t, suite: SUITE, name, contexts, server }, body));
  const timeline = () => page.getByRole('region', { name: 'Timeline' });

  run('like and repost are toggles that show their state', async () => {
    await page.goto('/');
    const crud = timeline().getByRole('article').first();
    const like = crud.getByRole('button', { name: 'Like', exact: true });
    assert.equal(await like.getAttribute('aria-pressed'), 'false');
    assert.equal(await crud.getByRole('button', { name: /Unlike|Undo/ }).count(), 0, 'one button per action');
    await like.click();
    await page.waitForURL((url) => url.pathname === '/');
    const first = timeline().getByRole('article').first();
    await first.getByRole('button', { name: 'Like', exact: true, pressed: true }).waitFor();
    assert.equal(await first.getByRole('button', { name: 'Repost', exact: true }).getAttribute('aria-pressed'), 'false');
    // Pressed again, it takes the like back.
    await first.getByRole('button', { name: 'Like', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await timeline().getByRole('article').first()
      .getByRole('button', { name: 'Like', exact: true, pressed: false }).waitFor();
    return page;
  });

  run('delete a crud after a confirm step', async () => {
    await page.goto('/');
    await page.getByLabel('What would you like to say?').fill(text);
    await page.getByRole('main').getByRole('button', { name: 'Crud', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
    const mine = timeline().getByRole('article').filter({ hasText: text });
    await mine.getByRole('link', { name: 'Delete' }).click();
    await page.getByRole('heading', { level: 1, name: 'Delete this crud?' }).waitFor();
    // Cancel first: nothing goes.
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByRole('heading', { level: 1, name: 'Crud' }).waitFor();
    await page.getByText(text).waitFor();
    await page.getByRole('link', { name: 'Delete' }).first().click();
    await page.getByRole('main').getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL((url) => url.pathname === `/@${me.handle}`);
    assert.equal(await page.getByText(text).count(), 0);
    await page.goto('/');
    assert.equal(await page.getByText(text).count(), 0, 'gone from home');
    return page;
  });

  run('a reply notification leads to the reply, which its author deletes alone', async () => {
    const threadText = `A thread to answer ${id}`;
    await page.goto('/');
    await page.getByLabel('What would you like to say?').fill(threadText);
    await page.getByRole('main').getByRole('button', { name: 'Crud', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
    const thread = await timeline().getByRole('article').filter({ hasText: threadText })
      .locator('a.crud-time').getAttribute('href');

    const otherContext = await newContext(browser, server.baseUrl);
    contexts.push(otherContext);
    const other = await otherContext.newPage();
    await signUpWith(other, { name: 'Charles Babbage', handle: `charles_${id}` });
    await other.goto(thread);
    await other.getByLabel('Your reply').fill('A hasty answer');
    await other.getByRole('region', { name: 'Replies' }).getByRole('button', { name: 'Reply', exact: true }).click();
    await other.waitForURL((url) => url.pathname === thread);

    await page.goto('/notifications');
    await page.getByRole('link', { name: 'replied to you' }).first().click();
    await page.waitForURL((url) => url.pathname === thread && url.hash.startsWith('#reply-'));
    const target = await page.evaluate(() => document.querySelector(':target')?.textContent ?? '');
    assert.match(target, /A hasty answer/, 'the link lands on the reply');

    const reply = other.getByRole('region', { name: 'Replies' }).getByRole('article').filter({ hasText: 'A hasty answer' });
    await reply.getByRole('link', { name: 'Delete' }).click();
    await other.getByRole('heading', { level: 1, name: 'Delete this reply?' }).waitFor();
    await other.getByRole('main').getByRole('button', { name: 'Delete' }).click();
    await other.waitForURL((url) => url.pathname === thread);
    await other.getByText('No replies yet.').waitFor();
    await other.getByText(threadText).waitFor();
    return other;
  });

  run('edit the profile', async () => {
    await page.goto(`/@${me.handle}`);
    await page.getByRole('link', { name: 'Edit profile' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit profile' }).waitFor();
    await page.getByLabel('Name').fill(' ');
    await page.getByRole('main').getByRole('button', { name: 'Save' }).click();
    await page.locator('#display_name-error').waitFor();
    assert.equal(await page.getByLabel('Name').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Name').fill('Countess Lovelace');
    await page.getByLabel(/^Bio/).fill(`Poetical science ${id}`);
    await page.getByRole('main').getByRole('button', { name: 'Save' }).click();
    await page.waitForURL((url) => url.pathname === `/@${me.handle}`);
    await page.getByRole('heading', { level: 1, name: 'Countess Lovelace' }).waitFor();
    await page.getByText(`Poetical science ${id}`).waitFor();
    return page;
  });

  run('the following feed', async () => {
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Feeds' }).getByRole('link', { name: 'Following' }).click();
    await page.waitForURL((url) => url.pathname === '/following');
    // Following nobody yet: only one's own cruds.
    const own = await timeline().getByRole('article').locator('.handle').allInnerTexts();
    assert.ok(own.length > 0 && own.every((handle) => handle === `@${me.handle}`), `${own}`);
    const other = DEMO_HANDLES[0];
    await page.goto(`/@${other}`);
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await page.waitForURL((url) => url.pathname === `/@${other}`);
    await page.goto('/following');
    const cruds = timeline().getByRole('article');
    await cruds.first().waitFor();
    const handles = await cruds.locator('.handle').allInnerTexts();
    for (const handle of handles) {
      assert.ok([`@${other}`, `@${me.handle}`].includes(handle), `${handle} is followed or me`);
    }
    assert.ok(handles.includes(`@${other}`), 'the followed user is in it');
    assert.equal(
      await page.getByRole('navigation', { name: 'Feeds' }).getByRole('link', { name: 'Following' }).getAttribute('aria-current'),
      'page',
    );
    return page;
  });
});
