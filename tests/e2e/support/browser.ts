// The browser harness: a real Chromium (Debian's, driven by playwright-core) against a real app
// on a real database, listening on 127.0.0.1. Each test file gets one browser and one fresh
// instance; each test opens its own context, so cookies never leak between tests.
//
//   const e2e = useE2E();                       // beforeAll/afterAll: browser + fresh instance
//   const page = await e2e.newPage({ viewport: PHONE });
//   await page.goto(e2e.url('/'));
//   await checkA11y(page, 'home');              // fails on serious/critical axe violations
//   await expectNoHorizontalScroll(page);
//   await screenshot(page, 'home-360');         // → /tmp/entraide-shots/home-360.png
//   e2e.expectNoPageProblems(page);             // no JS errors, CSP reports or broken assets
//
// Also: logIn(page, origin, handle) through the form, navigate(page, () => click()) for a form
// or link, writeTestJpeg() for uploads, and watchForInjection(page) (before the first visit) with
// expectNoInjection(page, label) for stored-XSS checks.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import sharp from 'sharp';
import type { ImpactValue, Result } from 'axe-core';
import { afterAll, beforeAll } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? '/tmp/entraide-shots';

/** A small phone (the narrowest screen we design for is 320 px; 360 is the common Android one). */
export const PHONE = { width: 360, height: 740 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;

/** The password used for valid sign-ups: long enough and hard to guess. */
export const STRONG_PASSWORD = 'lanterne-verte-sous-la-pluie';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A fresh instance (empty database, migrated) listening on 127.0.0.1 with an ephemeral port. */
export async function startServer(options: Parameters<typeof createTestApp>[0] = {}): Promise<TestApp> {
  return createTestApp(options);
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  /**
   * The browser's language (sent as Accept-Language). Defaults to German, which the instance does
   * not offer, so pages come out in the instance's default language unless a test asks otherwise.
   */
  locale?: string;
  context?: BrowserContextOptions;
}

/** Problems a page reported while a test used it: uncaught errors, console errors, broken assets. */
const problems = new WeakMap<Page, string[]>();

/**
 * A page in its own context (axe needs pages from browser.newContext(), not browser.newPage()).
 * Everything that goes wrong on the page is recorded for expectNoPageProblems().
 */
export async function openPage(browser: Browser, options: PageOptions = {}): Promise<Page> {
  const context: BrowserContext = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    locale: options.locale ?? 'de-DE',
    ...options.context,
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const page = await context.newPage();
  const list: string[] = [];
  problems.set(page, list);
  page.on('pageerror', (error) => list.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // A document answered with 4xx (e.g. a form re-rendered with 422) is expected; subresources
    // are checked through their responses below.
    if (/^Failed to load resource: the server responded with a status of/.test(message.text())) return;
    list.push(`console error: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.request().resourceType() !== 'document' && response.status() >= 400) {
      list.push(`${response.status()} for ${response.request().resourceType()} ${response.url()}`);
    }
  });
  page.on('requestfailed', (request) => {
    if (request.resourceType() === 'document') return;
    // ERR_ABORTED is a request the browser cancelled because the page was left (a fast form
    // submit while the favicon was still loading, say); a missing asset answers 4xx, seen above.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    list.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  return page;
}

export function pageProblems(page: Page): string[] {
  return [...(problems.get(page) ?? [])];
}

export function expectNoPageProblems(page: Page): void {
  const list = pageProblems(page);
  if (list.length) throw new Error(`the page reported problems:\n  ${list.join('\n  ')}`);
}

const FAILING_IMPACTS: readonly ImpactValue[] = ['serious', 'critical'];

function describeViolation(v: Result): string {
  const targets = v.nodes.slice(0, 8).map((n) => {
    const summary = n.failureSummary?.split('\n').slice(1).join(' ').trim();
    return `      ${n.target.join(' ')}${summary ? ` — ${summary}` : ''}`;
  });
  if (v.nodes.length > 8) targets.push(`      … and ${v.nodes.length - 8} more`);
  return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${targets.join('\n')}`;
}

export interface A11yOptions {
  /** rule ids to skip, each with a reason in the calling test */
  disableRules?: string[];
  /** CSS selectors to leave out of the scan */
  exclude?: string[];
}

/**
 * Runs axe on the page as it is now and fails on any serious or critical violation, listing each
 * rule, its help and the offending elements. Lesser ones are only printed.
 */
export async function checkA11y(page: Page, label: string, options: A11yOptions = {}): Promise<void> {
  let builder = new AxeBuilder({ page });
  if (options.disableRules?.length) builder = builder.disableRules(options.disableRules);
  for (const selector of options.exclude ?? []) builder = builder.exclude(selector);
  const results = await builder.analyze();
  const failing = results.violations.filter((v) => v.impact && FAILING_IMPACTS.includes(v.impact));
  const minor = results.violations.filter((v) => !failing.includes(v));
  if (minor.length) console.warn(`axe (${label}, ${page.url()}): minor issues\n${minor.map(describeViolation).join('\n')}`);
  if (failing.length) {
    throw new Error(`axe found ${failing.length} serious/critical violation(s) on "${label}" (${page.url()}):\n${failing.map(describeViolation).join('\n')}`);
  }
}

/** The page's width in CSS pixels beyond the viewport (0 when nothing scrolls sideways). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

export async function expectNoHorizontalScroll(page: Page, label = page.url()): Promise<void> {
  const { scrollWidth, width, culprits } = await page.evaluate(() => {
    const width = window.innerWidth;
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`;
    const culprits = [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > width + 0.5).slice(0, 5).map(name);
    // Text that does not wrap overflows its box without widening it: name the text's parent.
    if (culprits.length === 0) {
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let node = walker.nextNode(); node && culprits.length < 5; node = walker.nextNode()) {
        range.selectNodeContents(node);
        if (range.getBoundingClientRect().right > width + 0.5 && node.parentElement) {
          culprits.push(`text "${(node.textContent ?? '').trim().slice(0, 40)}" in ${name(node.parentElement)}`);
        }
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, width, culprits };
  });
  if (scrollWidth > width) {
    throw new Error(`"${label}" scrolls sideways: scrollWidth ${scrollWidth} > viewport ${width}; widest elements: ${culprits.join(', ')}`);
  }
}

/** A full-page PNG in SHOTS_DIR, for people to look at (not compared automatically). */
export async function screenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(SHOTS_DIR, { recursive: true });
  const file = path.join(SHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The checks every page visit deserves: accessible, and no sideways scrolling. */
export async function checkPage(page: Page, label: string, options: A11yOptions = {}): Promise<void> {
  await checkA11y(page, label, options);
  await expectNoHorizontalScroll(page, label);
}

export interface E2E {
  readonly browser: Browser;
  readonly server: TestApp;
  /** an absolute URL on the instance under test */
  url(path: string): string;
  /** a page in a new context, closed with the browser at the end of the file */
  newPage(options?: PageOptions): Promise<Page>;
}

/**
 * Registers beforeAll/afterAll for a test file: launches Chromium and starts a fresh instance,
 * then closes both (and every context) at the end. Call at the top level of the file.
 */
export function useE2E(serverOptions: Parameters<typeof createTestApp>[0] = {}): E2E {
  let browser: Browser | undefined;
  let server: TestApp | undefined;
  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(), startServer(serverOptions)]);
  });
  afterAll(async () => {
    await Promise.allSettled([browser?.close(), server?.close()]);
  });
  const need = <T>(value: T | undefined, what: string): T => {
    if (!value) throw new Error(`${what} is not ready: useE2E() must be called at the top level of the test file`);
    return value;
  };
  return {
    get browser() {
      return need(browser, 'the browser');
    },
    get server() {
      return need(server, 'the server');
    },
    url: (p: string) => new URL(p, need(server, 'the server').origin).href,
    newPage: (options?: PageOptions) => openPage(need(browser, 'the browser'), options),
  };
}

// ---- navigation and forms ----------------------------------------------------------------------

/** Clicks something that submits a form or follows a link, and waits for the next page to load. */
export async function navigate(page: Page, action: () => Promise<unknown>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), action()]);
}

/** The path of the page (no query, no fragment). */
export const pathOf = (page: Page): string => new URL(page.url()).pathname;

/** Logs in through the login form (French labels) and expects to land on the home page. */
export async function logIn(page: Page, origin: string, login: string, password = STRONG_PASSWORD): Promise<void> {
  await page.goto(new URL('/login', origin).href);
  await page.getByLabel(/^Identifiant ou adresse e-mail/).fill(login);
  await page.getByLabel(/^Mot de passe/).fill(password);
  await navigate(page, () => page.locator('main').getByRole('button', { name: 'Se connecter' }).click());
  if (pathOf(page) !== '/') throw new Error(`login as ${login} failed: ended on ${page.url()}`);
}

/**
 * A real JPEG (a colour gradient, so it is not a trivially compressible flat image) written to a
 * temporary file, for page.setInputFiles(). The caller removes it (or leaves it to the OS).
 */
export async function writeTestJpeg(name: string, size: { width: number; height: number } = { width: 800, height: 600 }): Promise<string> {
  const { width, height } = size;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = Math.round((x / width) * 255);
      pixels[i + 1] = Math.round((y / height) * 200) + 30;
      pixels[i + 2] = 140;
    }
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'entraide-e2e-'));
  const file = path.join(dir, name.endsWith('.jpg') ? name : `${name}.jpg`);
  await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toFile(file);
  return file;
}

// ---- script injection ----------------------------------------------------------------------------

/** What the page let through: dialogs that opened, CSP violations, console messages about CSP. */
const injectionEvents = new WeakMap<Page, { dialogs: string[]; csp: string[] }>();

declare global {
  interface Window {
    __xss?: unknown;
    __cspViolations?: string[];
  }
}

/**
 * Starts watching a page for the signs of injected script: an opened dialog (alert/confirm/prompt,
 * dismissed at once), a `securitypolicyviolation` event (recorded on window by an init script that
 * runs before the page's own), and console messages about the Content Security Policy. Call before
 * the first navigation; read the results with expectNoInjection().
 */
export async function watchForInjection(page: Page): Promise<void> {
  const events = { dialogs: [] as string[], csp: [] as string[] };
  injectionEvents.set(page, events);
  page.on('dialog', (dialog) => {
    events.dialogs.push(`${dialog.type()}: ${dialog.message()} (on ${page.url()})`);
    void dialog.dismiss().catch(() => undefined);
  });
  page.on('console', (message) => {
    if (/Content[- ]Security[- ]Policy|Refused to (execute|load|apply|frame)/i.test(message.text())) events.csp.push(`console: ${message.text()}`);
  });
  // Also reported through a binding, so a violation on a page left before the check still counts.
  await page.exposeBinding('__reportCspViolation', (_source, text: string) => void events.csp.push(`securitypolicyviolation: ${text}`));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      const text = `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sample})`;
      window.__cspViolations!.push(text);
      (window as unknown as { __reportCspViolation?: (t: string) => void }).__reportCspViolation?.(text);
    });
  });
}

// Elements user content must never become, and URL schemes it must never put in an attribute.
const DANGEROUS_TAGS = ['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'svg', 'math', 'base', 'style', 'template', 'portal'];
/** The attributes of the app's own script tag (views/layouts/main.hbs), exactly. */
const OWN_SCRIPT = /^\s+src="\/static\/js\/live\.js"\s+defer(?:="")?\s*$/;
const URL_ATTRIBUTES = ['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'background', 'data', 'srcset', 'ping', 'cite'];

/**
 * Markup in an HTML document that could run script: dangerous elements, event-handler attributes
 * (on…=), and javascript:/vbscript:/data: URLs in URL attributes. Tag-aware: a payload shown as
 * text (`&lt;img onerror=…`) is not markup. Works on a server response and on page.content() (the
 * browser escapes < and > inside attribute values when serialising).
 */
export function injectedMarkup(html: string): string[] {
  const found: string[] = [];
  const tag = /<([a-zA-Z][a-zA-Z0-9:-]*)((?:[^<>"']|"[^"]*"|'[^']*')*)>/g;
  for (const m of html.matchAll(tag)) {
    const name = m[1]!.toLowerCase();
    const attrs = m[2] ?? '';
    if (name === 'script' && OWN_SCRIPT.test(attrs)) continue;
    if (DANGEROUS_TAGS.includes(name)) found.push(`<${name}> element: ${m[0].slice(0, 120)}`);
    if (name === 'meta' && /\shttp-equiv\s*=/i.test(attrs)) found.push(`<meta http-equiv>: ${m[0].slice(0, 120)}`);
    for (const a of attrs.matchAll(/(?:^|\s)([^\s"'=<>/]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?/g)) {
      const attr = a[1]!.toLowerCase();
      const value = (a[2] ?? '').replace(/^["']|["']$/g, '');
      if (attr.startsWith('on')) found.push(`${attr}= on <${name}>: ${m[0].slice(0, 120)}`);
      if (URL_ATTRIBUTES.includes(attr) && /^\s*(javascript|vbscript|data|livescript):/i.test(decodeEntities(value))) {
        found.push(`${attr}="${value.slice(0, 60)}" on <${name}>`);
      }
    }
  }
  return found;
}

function decodeEntities(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&(tab|newline);/gi, '')
    .replace(/[\t\n\r]/g, '');
}

/**
 * Fails when the page shows any sign that stored content became script: `window.__xss` set, a
 * dialog opened, a CSP violation (event or console), an element or attribute that could run
 * script in the live DOM (what the browser really built, entities decoded), or the same in the
 * serialised HTML of page.content(). The app ships one script of its own, the live updates
 * (`<script src="/static/js/live.js" defer>` in the layout, nothing inline): that one is allowed,
 * any other is not.
 */
export async function expectNoInjection(page: Page, label: string): Promise<void> {
  const events = injectionEvents.get(page);
  if (!events) throw new Error('call watchForInjection(page) before the first navigation');
  const inPage = await page.evaluate(
    ({ dangerousTags, urlAttributes }) => {
      const problems: string[] = [];
      if (typeof window.__xss !== 'undefined') problems.push(`window.__xss is ${String(window.__xss)}`);
      for (const v of window.__cspViolations ?? []) problems.push(`CSP violation: ${v}`);
      const describe = (el: Element) => el.outerHTML.slice(0, 120);
      const ownScript = (el: Element) =>
        el.localName === 'script' && el.attributes.length === 2 && el.getAttribute('src') === '/static/js/live.js' && el.hasAttribute('defer') && !el.textContent;
      for (const el of document.querySelectorAll(dangerousTags.join(','))) if (!ownScript(el)) problems.push(`<${el.localName}> in the DOM: ${describe(el)}`);
      for (const el of document.querySelectorAll('meta[http-equiv]')) problems.push(`meta http-equiv in the DOM: ${describe(el)}`);
      for (const el of document.querySelectorAll('*')) {
        for (const attr of el.attributes) {
          const name = attr.name.toLowerCase();
          if (name.startsWith('on')) problems.push(`${name} attribute in the DOM: ${describe(el)}`);
          if (urlAttributes.includes(name)) {
            const raw = attr.value.replace(/[\u0000-\u0020]/g, '');
            if (/^(javascript|vbscript|data|livescript):/i.test(raw)) problems.push(`${name}="${attr.value.slice(0, 60)}" in the DOM: ${describe(el)}`);
          }
        }
      }
      return problems;
    },
    { dangerousTags: DANGEROUS_TAGS, urlAttributes: URL_ATTRIBUTES },
  );
  const problems = [
    ...new Set([
    ...events.dialogs.map((d) => `dialog opened: ${d}`),
    ...events.csp,
    ...inPage,
    ...injectedMarkup(await page.content()).map((p) => `page.content(): ${p}`),
    ]),
  ];
  if (problems.length) throw new Error(`injected markup or script on "${label}" (${page.url()}):\n  ${problems.join('\n  ')}`);
}
