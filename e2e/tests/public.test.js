// Signed-out flows on the demo data: the timeline, a profile, one crud with its replies,
// hashtag search from the sidebar, the styled 404, and the phone layout.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_HANDLES, flow, launchChromium, newContext, screenshot, sideways, startCruddur,
} from '../lib/harness.js';

const SUITE = 'public';

describe('signed out, on the demo data', () => {
  let server;
  let browser;
  let context;
  const contexts = [];

  before(async () => {
    server = await startCruddur();
    browser = await launchChromium();
    context = await newContext(browser, server.baseUrl);
    contexts.push(context);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const run = (name, body) =>
    test(name, (t) => flow({ t, suite: SUITE, name, contexts, server }, body));

  /** The counts line of a crud, as numbers. */
  async function counts(article) {
    const text = (await article.locator('.counts').innerText()).replace(/\s+/g, ' ');
    const read = (re) => Number((text.match(re) ?? [])[1]);
    return {
      replies: read(/(\d+) repl(?:y|ies)/),
      reposts: read(/(\d+) reposts?/),
      likes: read(/(\d+) likes?/),
    };
  }

  run('home shows the demo cruds with handles, counts and time left', async () => {
    const page = await context.newPage();
    const response = await page.goto('/');
    assert.equal(response.status(), 200);
    assert.match(await page.title(), /Home · Cruddur/);
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();

    const timeline = page.getByRole('region', { name: 'Timeline' });
    const cruds = timeline.getByRole('article');
    assert.ok((await cruds.count()) >= 10, 'the demo timeline has at least ten cruds');

    const text = await timeline.innerText();
    for (const handle of DEMO_HANDLES) {
      assert.ok(text.includes(`@${handle}`), `the timeline shows @${handle}`);
    }

    const first = cruds.first();
    await first.getByRole('link', { name: /@\w+/ }).first().waitFor();
    const c = await counts(first);
    for (const [what, n] of Object.entries(c)) {
      assert.ok(Number.isInteger(n) && n >= 0, `first crud shows a number of ${what}`);
    }
    assert.match(await first.locator('time.expires').innerText(), /expires in \d+[mhd]/);
    assert.match(await first.locator('.crud-time time').innerText(), /^(now|\d+[smhd])$/);
    // Signed out, the actions lead to the sign-in page.
    for (const action of ['Repost', 'Like']) {
      const link = first.getByRole('link', { name: action, exact: true });
      assert.equal(await link.getAttribute('href'), '/signin');
    }
    await first.getByRole('link', { name: 'Reply', exact: true }).waitFor();
    await first.getByRole('link', { name: 'Share: link to this crud' }).waitFor();

    // Some demo crud has been liked: the counts are real, not all zero.
    let liked = 0;
    for (let i = 0; i < (await cruds.count()); i += 1) liked += (await counts(cruds.nth(i))).likes;
    assert.ok(liked > 0, 'the demo data has likes');

    // Signed out: the sidebar invites to join, trending hashtags come from the live cruds.
    const sidebar = page.getByRole('complementary', { name: 'Sidebar' });
    await sidebar.getByRole('heading', { name: 'Join the party!' }).waitFor();
    await sidebar.getByRole('link', { name: 'Sign up' }).waitFor();
    const trending = sidebar.getByRole('region', { name: 'Trending' });
    await trending.getByRole('link', { name: '#rust' }).waitFor();
    return page;
  });

  run('clicking a handle opens the profile', async () => {
    const page = await context.newPage();
    await page.goto('/');
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByRole('link', { name: /@bayko$/ }).first().click();
    await page.waitForURL(/\/@bayko$/);

    await page.getByRole('heading', { level: 1, name: 'Andrew Bayko' }).waitFor();
    const profile = page.locator('section.profile');
    assert.equal(await profile.locator('p.handle').innerText(), '@bayko');
    assert.match(await profile.locator('.profile-counts').innerText(), /\d+ cruds?[\s\S]*\d+ followers?[\s\S]*\d+ following/);

    const feed = page.getByRole('region', { name: 'Cruds by @bayko' });
    const cruds = feed.getByRole('article');
    assert.ok((await cruds.count()) >= 1, 'the profile lists the cruds of @bayko');
    for (let i = 0; i < (await cruds.count()); i += 1) {
      assert.match(await cruds.nth(i).locator('.author').innerText(), /@bayko/);
    }
    // Signed out, following asks to sign in first.
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await page.waitForURL(/\/signin/);
    await page.getByRole('heading', { level: 1, name: 'Sign in to Cruddur' }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Andrew Bayko' }).waitFor();
    return page;
  });

  run('opening a crud shows its replies', async () => {
    const page = await context.newPage();
    await page.goto('/');
    const cruds = page.getByRole('region', { name: 'Timeline' }).getByRole('article');
    let target = null;
    let replies = 0;
    for (let i = 0; i < (await cruds.count()); i += 1) {
      const n = (await counts(cruds.nth(i))).replies;
      if (n > 0) {
        target = cruds.nth(i);
        replies = n;
        break;
      }
    }
    assert.ok(target, 'some demo crud on home has replies');
    const message = await target.locator('p.message').innerText();
    const permalink = await target.locator('a.crud-time').getAttribute('href');
    await target.locator('a.crud-time').click();
    await page.waitForURL((url) => url.pathname === permalink);

    await page.getByRole('heading', { level: 1, name: 'Crud' }).waitFor();
    const crud = page.locator('main > article.crud');
    assert.equal(await crud.locator('p.message').innerText(), message);
    const section = page.getByRole('region', { name: 'Replies' });
    const shown = section.getByRole('article');
    assert.equal(await shown.count(), replies, 'every reply of the crud is shown');
    assert.match(await shown.first().locator('.author').innerText(), /@\w+/);
    assert.ok((await shown.first().locator('p.message').innerText()).length > 0);
    // Signed out: an invitation instead of the reply form.
    await section.getByRole('link', { name: 'Sign in' }).waitFor();
    assert.equal(await page.getByLabel('Your reply').count(), 0);
    return page;
  });

  run('searching a hashtag from the sidebar shows the matching cruds', async () => {
    const page = await context.newPage();
    await page.goto('/');
    const sidebar = page.getByRole('complementary', { name: 'Sidebar' });
    await sidebar.getByRole('searchbox', { name: 'Search cruds' }).fill('#rust');
    await sidebar.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/search\?term=%23rust$/);

    await page.getByRole('heading', { level: 1, name: 'Search' }).waitFor();
    assert.equal(await page.getByLabel('Words or a #hashtag').inputValue(), '#rust');
    const results = page.getByRole('region', { name: 'Results' }).getByRole('article');
    const n = await results.count();
    assert.ok(n >= 2, `several demo cruds carry #rust (found ${n})`);
    for (let i = 0; i < n; i += 1) {
      assert.match(await results.nth(i).locator('p.message').innerText(), /#rust\b/i);
    }

    // A hashtag nobody used finds nothing, and says so.
    await page.getByLabel('Words or a #hashtag').fill('#nobodysaysthis');
    await page.getByRole('main').getByRole('button', { name: 'Search' }).click();
    await page.getByText('No live cruds match “#nobodysaysthis”.').waitFor();
    // Back to the #rust results for the screenshot.
    await page.goBack();
    await page.getByRole('region', { name: 'Results' }).waitFor();
    return page;
  });

  run('an unknown profile gets a styled 404 page', async () => {
    const page = await context.newPage();
    const response = await page.goto('/@nobody_by_that_name');
    assert.equal(response.status(), 404);
    await page.getByRole('heading', { level: 1, name: 'Nothing here' }).waitFor();
    assert.equal(await page.locator('.error-status').innerText(), '404');
    await page.getByRole('link', { name: 'Back to the timeline' }).waitFor();
    // The site's layout and stylesheet, not a bare text answer.
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.ok(
      !['rgba(0, 0, 0, 0)', 'rgb(255, 255, 255)'].includes(background),
      `the 404 page is styled (body background ${background})`,
    );
    // An unknown crud of a known user is a 404 too.
    const missing = await page.goto('/@bayko/status/00000000-0000-4000-8000-000000000000');
    assert.equal(missing.status(), 404);
    await page.goto('/@nobody_by_that_name');
    return page;
  });

  run('the pages fit the screen, on a phone (390 px) and on a desktop (1280 px)', async () => {
    const phone = await newContext(browser, server.baseUrl, {
      viewport: { width: 390, height: 844 },
    });
    contexts.push(phone);
    const page = await phone.newPage();
    await page.goto('/');
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByRole('article').first().waitFor();
    // Kept whatever the checks below find: this is what a phone user sees first.
    await screenshot(page, `${SUITE}--phone-390px-first-screen`, { fullPage: false });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).waitFor();
    const box = await timeline.getByRole('article').first().boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 391, 'a crud fits in the phone screen width');

    const desktop = await context.newPage();
    const problems = [];
    for (const [device, tab] of [['phone', page], ['desktop', desktop]]) {
      for (const path of ['/', '/@bayko', '/search?term=%23rust', '/signin']) {
        await tab.goto(path);
        const { scrollWidth, clientWidth, wide } = await sideways(tab);
        if (scrollWidth > clientWidth + 1) {
          problems.push(`${device} ${path}: ${scrollWidth}px wide on a ${clientWidth}px screen, past the edge: ${wide.join(' ')}`);
        }
      }
    }
    await page.goto('/');
    assert.deepEqual(problems, [], 'no page scrolls sideways');
    return page;
  });
});
