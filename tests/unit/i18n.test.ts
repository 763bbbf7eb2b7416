import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../server/i18n/index.ts';

function keys(obj: unknown, prefix = ''): string[] {
  if (typeof obj !== 'object' || obj === null) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

const fr = keys(loadCatalog('fr')).sort();
const en = keys(loadCatalog('en')).sort();

describe('catalogs', () => {
  it('have exactly the same keys in French and English', () => {
    expect(fr.filter((k) => !en.includes(k))).toEqual([]);
    expect(en.filter((k) => !fr.includes(k))).toEqual([]);
  });

  it('cover every key the templates use', () => {
    const used = new Set<string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else for (const m of fs.readFileSync(full, 'utf8').matchAll(/(?:\{\{|\()t "([a-zA-Z0-9_.]+)"/g)) used.add(m[1]!);
      }
    };
    walk(path.resolve(import.meta.dirname, '../../views'));
    const plural = (k: string) => fr.includes(`${k}_one`) && fr.includes(`${k}_other`);
    const missing = [...used].filter((k) => !fr.includes(k) && !plural(k));
    expect(missing).toEqual([]);
  });
});
