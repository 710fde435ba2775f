// Accessibility: axe-core on every page, signed out and signed in, with no serious or
// critical violation; and a keyboard-only flow (tab to the composer, post, like).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_HANDLES, audit, flow, launchChromium, newContext, signUpWith, startCruddur, unique,
} from '../lib/harness.js';

const SUITE = 'a11y';

describe('accessibility', () => {
  const id = unique();
  const me = { name: 'Grace Hopper', handle: `grace_${id}` };
  let server;
  let browser;
  let signedOut;
  let signedIn;
  const contexts = [];

  before(async () => {
    server = await startCruddur();
    browser = await launchChromium();
    signedOut = await newContext(browser, server.baseUrl, { audit: true });
    signedIn = await newContext(browser, server.baseUrl, { audit: true });
    contexts.push(signedOut, signedIn);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const run = (name, body) =>
    test(name, (t) => flow({ t, suite: SUITE, name, contexts, server }, body));

  /** Visits each path and collects axe's serious and critical findings, page by page. */
  async function auditAll(page, paths) {
    const found = [];
    for (const path of paths) {
      const response = await page.goto(path);
      assert.ok(response, `${path} answered`);
      for (const violation of await audit(page)) found.push(`${path}: ${violation}`);
    }
    assert.deepEqual(found, [], 'no serious or critical violations');
  }

  /** The address of the newest crud on the page's timeline. */
  async function firstCrudPath(page) {
    await page.goto('/');
    return page.locator('article.crud a.crud-time').first().getAttribute('href');
  }

  run('every page signed out', async () => {
    const page = await signedOut.newPage();
    const status = await firstCrudPath(page);
    await auditAll(page, [
      '/',
      '/signin',
      '/signup',
      `/@${DEMO_HANDLES[0]}`,
      status,
      '/search?term=%23cloud',
      '/search?term=nothing-matches-this',
      '/no/such/page',
    ]);
    return page;
  });

  run('every page signed in', async () => {
    const page = await signedIn.newPage();
    await signUpWith(page, me);
    await page.getByLabel('What would you like to say?').fill(`An audited crud ${id}`);
    await page.getByRole('main').getByRole('button', { name: 'Crud', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
    const mine = await page.locator('article.crud', { hasText: `An audited crud ${id}` })
      .locator('a.crud-time').getAttribute('href');
    await page.goto(mine);
    await page.getByLabel('Your reply').fill('An audited reply');
    await page.getByRole('region', { name: 'Replies' }).getByRole('button', { name: 'Reply', exact: true }).click();
    await page.waitForURL((url) => url.pathname === mine);
    const other = DEMO_HANDLES[0];
    await page.goto(`/@${other}`);
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await page.waitForURL((url) => url.pathname === `/@${other}`);

    await auditAll(page, [
      '/',
      '/following',
      '/notifications',
      '/messages',
      `/messages/@${other}`,
      `/@${me.handle}`,
      `/@${other}`,
      mine,
      `${mine}/delete`,
      '/settings/profile',
      '/search?term=audited',
    ]);
    return page;
  });

  run('keyboard only: tab to the composer, post, like', async () => {
    const page = await signedIn.newPage();
    await page.goto('/');
    const focused = () => page.evaluate(() => {
      const el = document.activeElement;
      return { id: el?.id ?? '', tag: el?.tagName ?? '', text: el?.textContent?.trim() ?? '' };
    });
    // Tab from the top of the page until the composer's box has the focus.
    let tabs = 0;
    while ((await focused()).id !== 'composer-message') {
      await page.keyboard.press('Tab');
      tabs += 1;
      assert.ok(tabs < 60, 'the composer is reachable by Tab');
    }
    const text = `Typed without a mouse ${id}`;
    await page.keyboard.type(text);
    // On to the lifetime, then the Crud button, and send.
    await page.keyboard.press('Tab');
    assert.equal((await focused()).id, 'composer-ttl');
    await page.keyboard.press('Tab');
    assert.deepEqual(await focused(), { id: '', tag: 'BUTTON', text: 'Crud' });
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/');
    const crud = page.getByRole('region', { name: 'Timeline' }).getByRole('article').filter({ hasText: text });
    await crud.waitFor();

    // Tab on to that crud's Like toggle and press it.
    const like = crud.getByRole('button', { name: 'Like', exact: true });
    assert.equal(await like.getAttribute('aria-pressed'), 'false');
    tabs = 0;
    while (!(await like.evaluate((el) => el === document.activeElement))) {
      await page.keyboard.press('Tab');
      tabs += 1;
      assert.ok(tabs < 80, 'the Like toggle is reachable by Tab');
    }
    await page.keyboard.press('Space');
    await page.waitForURL((url) => url.pathname === '/');
    await crud.getByRole('button', { name: 'Like', exact: true, pressed: true }).waitFor();
    await crud.locator('.counts').filter({ hasText: /1 like\b/ }).waitFor();
    return page;
  });
});
