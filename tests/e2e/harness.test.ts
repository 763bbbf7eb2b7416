// The harness's own checks must be able to fail: a page with known faults has to be refused,
// otherwise a green journey would prove nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { PHONE, checkA11y, expectNoHorizontalScroll, expectNoPageProblems, launchBrowser, openPage } from './support/browser.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

const BAD_PAGE = `<!doctype html><html lang="fr"><head><title>Faute</title></head><body>
  <main><h1>Faute</h1>
    <p style="color:#bbb;background:#fff">Texte trop pâle</p>
    <form><input type="text" name="x"></form>
    <div style="width:500px">trop large</div>
  </main></body></html>`;

describe('browser harness', () => {
  it('fails on serious axe violations and names the rule and the element', async () => {
    const page = await openPage(browser, { viewport: PHONE });
    await page.setContent(BAD_PAGE);
    const error = await checkA11y(page, 'bad page').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/color-contrast/);
    expect(error?.message).toMatch(/\blabel\b/);
    expect(error?.message).toContain('input');
  });

  it('passes a clean page', async () => {
    const page = await openPage(browser, { viewport: PHONE });
    await page.setContent('<!doctype html><html lang="fr"><head><title>Bien</title></head><body><main><h1>Bien</h1></main></body></html>');
    await checkA11y(page, 'clean page');
    await expectNoHorizontalScroll(page);
    expectNoPageProblems(page);
  });

  it('notices sideways scrolling and says what is too wide', async () => {
    const page = await openPage(browser, { viewport: PHONE });
    await page.setContent(BAD_PAGE);
    await expect(expectNoHorizontalScroll(page, 'bad page')).rejects.toThrow(/scrollWidth \d+ > viewport 360.*div/);
  });

  it('records script errors on the page', async () => {
    const page = await openPage(browser, { viewport: PHONE });
    await page.setContent('<!doctype html><html lang="fr"><head><title>Erreur</title></head><body><script>nope()</script></body></html>');
    expect(() => expectNoPageProblems(page)).toThrow(/nope is not defined/);
  });
});
