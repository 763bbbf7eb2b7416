// Catalogs live in server/i18n/locales/<locale>/<area>.json; each file is one top-level key
// (auth.json → "auth.…"), so features add strings without touching each other's files.
// Interpolated values are not escaped here: Handlebars escapes the whole translated string.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type TFunction } from 'i18next';
import { LOCALES, type Locale } from '../config.ts';

const LOCALES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'locales');

export type Catalog = Record<string, unknown>;

export function loadCatalog(locale: Locale): Catalog {
  const dir = path.join(LOCALES_DIR, locale);
  const catalog: Catalog = {};
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    catalog[path.basename(file, '.json')] = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  }
  return catalog;
}

const instance = i18next.createInstance();
void instance.init({
  initAsync: false,
  resources: Object.fromEntries(LOCALES.map((l) => [l, { translation: loadCatalog(l) }])),
  fallbackLng: false,
  supportedLngs: [...LOCALES],
  interpolation: { escapeValue: false },
  returnNull: false,
});

const fixed = new Map<Locale, TFunction>(LOCALES.map((l) => [l, instance.getFixedT(l)]));

export type Translate = (key: string, params?: Record<string, unknown>) => string;

// A page asks for hundreds of strings and i18next takes a few microseconds each: results are
// remembered per locale. The catalogs never change while the process runs, so this is exact;
// calls whose parameters are not plain strings or numbers are not cached, and the cache is
// emptied when it grows past a bound (user text as a parameter would otherwise grow it).
const CACHE_MAX = 50_000;
const caches = new Map<Locale, Map<string, string>>(LOCALES.map((l) => [l, new Map()]));
const translators = new Map<Locale, Translate>(
  LOCALES.map((locale) => {
    const t = fixed.get(locale)!;
    const cache = caches.get(locale)!;
    const translate: Translate = (key, params) => {
      let cacheKey: string | undefined = key;
      if (params) {
        for (const [k, v] of Object.entries(params)) {
          if (typeof v !== 'string' && typeof v !== 'number') {
            cacheKey = undefined;
            break;
          }
          cacheKey += `\u0000${k}\u0001${v}`;
        }
      }
      if (cacheKey !== undefined) {
        const hit = cache.get(cacheKey);
        if (hit !== undefined) return hit;
      }
      const value = t(key, params ?? {}) as string;
      if (cacheKey !== undefined) {
        if (cache.size >= CACHE_MAX) cache.clear();
        cache.set(cacheKey, value);
      }
      return value;
    };
    return [locale, translate];
  }),
);

export function translator(locale: Locale): Translate {
  return translators.get(locale)!;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Picks the best supported locale from an Accept-Language header. */
export function localeFromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), index };
    })
    .filter((e) => e.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked.map((e) => e.lang).find(isLocale);
}
