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
import fs from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
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
    if (request.resourceType() !== 'document') list.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
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
    const culprits = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`);
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
