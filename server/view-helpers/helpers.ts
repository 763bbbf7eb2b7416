// Template helpers. The locale comes from the root context ({{t}} inside any partial works).
import type { HelperOptions } from 'handlebars';
import { translator } from '../i18n/index.ts';
import { isLocale } from '../i18n/index.ts';
import type { Locale } from '../config.ts';

type Hbs = typeof import('handlebars');

function localeOf(options: HelperOptions): Locale {
  const root = (options.data as { root?: { locale?: unknown } } | undefined)?.root;
  return isLocale(root?.locale) ? root.locale : 'fr';
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(locale: Locale, style: 'short' | 'medium' | 'long'): Intl.DateTimeFormat {
  const key = `${locale}:${style}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', {
      dateStyle: style === 'short' ? 'short' : style === 'medium' ? 'medium' : 'long',
      timeStyle: 'short',
      timeZone: 'Europe/Paris',
    });
    dateFormats.set(key, f);
  }
  return f;
}

export function formatDate(value: unknown, locale: Locale, style: 'short' | 'medium' | 'long' = 'medium'): string {
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) return '';
  return dateFormat(locale, style).format(date);
}

export function registerHelpers(hbs: Hbs): void {
  hbs.registerHelper('t', function (key: unknown, options: HelperOptions) {
    return translator(localeOf(options))(String(key), options.hash as Record<string, unknown>);
  });
  hbs.registerHelper('formatDate', function (value: unknown, options: HelperOptions) {
    const style = options.hash?.style;
    return formatDate(value, localeOf(options), style === 'short' || style === 'long' ? style : 'medium');
  });
  hbs.registerHelper('isoDate', (value: unknown) => (value instanceof Date ? value.toISOString() : ''));
  hbs.registerHelper('formatNumber', function (value: unknown, options: HelperOptions) {
    return typeof value === 'number' ? value.toLocaleString(localeOf(options) === 'fr' ? 'fr-FR' : 'en-GB') : '';
  });
  hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('not', (a: unknown) => !a);
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
}
