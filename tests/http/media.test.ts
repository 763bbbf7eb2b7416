// /media over real HTTP: stored WebP files and generated initials with immutable caching and
// restrictive headers, no session lookup, and a 404 for anything the media service did not make.
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AVATAR_SIZES, avatarUrls, hueOf, mediaUrl } from '../../server/services/media-service.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
let dataDir: string;
let avatarKey: string;
let photo: { key: string; width: number; height: number };
beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'entraide-media-http-'));
  t = await createTestApp({ config: { dataDir } });
  const jpeg = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#2a6f97' } }).jpeg().toBuffer();
  avatarKey = (await t.app.services.media.storeAvatar({ buffer: jpeg, filename: 'me.jpg', truncated: false }, 'avatar')).key;
  photo = await t.app.services.media.storePhoto({ buffer: jpeg, filename: 'p.jpg', truncated: false }, 'photo');
  // Files a traversal would aim at: beside the media folder and at the project root.
  await fs.writeFile(path.join(dataDir, 'secret.webp'), 'TOP-SECRET');
  await fs.writeFile(path.join(dataDir, 'media', 'secret.webp'), 'TOP-SECRET');
});
afterAll(async () => {
  await t.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

/** A GET with the path sent exactly as written (no client-side normalisation of "..", "%2e"). */
function rawGet(rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { port } = new URL(t.origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('stored images', () => {
  it('serves every size as immutable WebP with restrictive headers', async () => {
    const cases = [...AVATAR_SIZES.map((s) => [avatarKey, s, s, s] as const), [photo.key, 1600, 900, 600] as const, [photo.key, 640, 640, 427] as const];
    for (const [key, size, width, height] of cases) {
      const res = await rawGet(mediaUrl(key, size), { accept: 'image/avif,image/webp,*/*' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('image/webp');
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'");
      expect(res.headers['set-cookie']).toBeUndefined();
      const meta = await sharp(res.body).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', width, height]);
    }
    expect(photo).toMatchObject({ width: 900, height: 600 });
  });

  it('answers HEAD like GET, without a body', async () => {
    const res = await t.client().agent.head(mediaUrl(avatarKey, 48));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/webp');
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
  });

  it('looks up no session: a stale session cookie is left alone, where a page would clear it', async () => {
    const cookie = { cookie: 'entraide_session=abcdefghijklmnopqrstuvwxyz234567' };
    const page = await rawGet('/', { ...cookie, accept: 'text/html' });
    expect(String(page.headers['set-cookie'])).toMatch(/entraide_session=;/);
    for (const url of [mediaUrl(avatarKey, 128), avatarUrls({ handle: 'x', displayName: 'Xavier', avatarKey: null }).small, '/media/zz/zz/nothing.webp']) {
      const res = await rawGet(url, cookie);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('is gone once removed', async () => {
    const input = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#ff8800' } }).png().toBuffer();
    const { key } = await t.app.services.media.storeAvatar({ buffer: input, filename: 'a.png', truncated: false }, 'avatar');
    expect((await rawGet(mediaUrl(key, 400))).status).toBe(200);
    await t.app.services.media.remove(key);
    for (const size of AVATAR_SIZES) expect((await rawGet(mediaUrl(key, size))).status).toBe(404);
  });

  it.each([
    ['an unknown key', () => `/media/ab/cd/abcdefghijklmnopqrstuvwxyz-128.webp`],
    ['a size never made', () => mediaUrl(avatarKey, 128).replace('-128.webp', '-129.webp')],
    ['a photo size asked of an avatar', () => mediaUrl(avatarKey, 128).replace('-128.webp', '-640.webp')],
    ['the wrong shard', () => `/media/zz/zz/${avatarKey}-128.webp`],
    ['an upper-case key', () => mediaUrl(avatarKey, 128).toUpperCase()],
    ['another extension', () => mediaUrl(avatarKey, 128).replace('.webp', '.png')],
    ['a trailing dot', () => `${mediaUrl(avatarKey, 128)}.`],
    ['a temporary file name', () => mediaUrl(avatarKey, 128).replace(`${avatarKey}-128.webp`, `.${avatarKey}-128.webp.0a1b2c3d4e5f.tmp`)],
    ['the folder itself', () => '/media/'],
    ['a shard folder', () => `/media/${avatarKey.slice(0, 2)}/${avatarKey.slice(2, 4)}/`],
    ['a file beside the shards', () => '/media/secret.webp'],
  ])('answers 404 for %s', async (_label, url) => {
    const res = await rawGet(url());
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).not.toBe('image/webp');
  });

  it.each([
    '/media/../package.json',
    '/media/../../package.json',
    '/media/%2e%2e/package.json',
    '/media/%2E%2E/%2E%2E/package.json',
    '/media/..%2fpackage.json',
    '/media/..%2F..%2Fpackage.json',
    '/media/%2e%2e%2f%2e%2e%2fpackage.json',
    '/media/..%5c..%5cpackage.json',
    '/media/..\\..\\package.json',
    '/media/%252e%252e/%252e%252e/package.json',
    '/media/ab/cd/..%2f..%2f..%2fsecret.webp',
    '/media/ab/%2e%2e/%2e%2e/secret.webp',
    '/media/%2e%2e/%2e%2e/secret.webp',
    '/media/..%2f/..%2f/secret.webp',
    '/media/ab/cd/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
    '/media/ab/cd/..%00.webp',
    '/media/initials/%2e%2e/%2e%2e.svg',
    '/media/initials/%2e%2e/%2e%2e/%2e%2e/package.json',
  ])('refuses the traversal %s', async (url) => {
    const res = await rawGet(url);
    expect(res.status).toBe(404);
    expect(res.body.toString('latin1')).not.toContain('TOP-SECRET');
    expect(res.body.toString('latin1')).not.toContain('"devDependencies"');
  });

  it.each(['/media/ab/cd/%ff.webp', '/media/initials/%ED%A0%80/1.svg', '/media/%c0%ae%c0%ae/package.json'])('answers a malformed encoding %s with a 4xx', async (url) => {
    const res = await rawGet(url);
    expect([400, 404]).toContain(res.status);
    expect(res.headers['content-type']).not.toMatch(/^image\//);
  });
});

describe('generated initials', () => {
  const svgUrl = (initials: string, hue: number | string) => `/media/initials/${encodeURIComponent(initials)}/${hue}.svg`;

  it('serves the initials of avatarUrls as a cacheable SVG with a restrictive CSP', async () => {
    const urls = avatarUrls({ handle: 'elodie_m', displayName: 'Élodie Martin', avatarKey: null });
    expect(urls.small).toBe(svgUrl('ÉM', hueOf('elodie_m')));
    const res = await rawGet(urls.medium);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml(;|$)/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const svg = res.body.toString('utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('>ÉM</text>');
    // Deterministic: same address, same bytes; another hue, another colour.
    expect((await rawGet(urls.medium)).body.equals(res.body)).toBe(true);
    const other = (await rawGet(svgUrl('ÉM', (hueOf('elodie_m') + 180) % 360))).body.toString('utf8');
    expect(other).not.toBe(svg);
  });

  it.each([
    ['<script>alert(1)</script>', '?s'],
    ['"><svg onload=alert(1)>', '??'],
    ['&amp;', '?a'],
    ["A'", 'A?'],
    ['A<', 'A?'],
    ['ÉMILIE', 'ÉM'],
    ['../../../package.json', '??'],
    ['1', '?'],
  ])('escapes %j into letters and question marks', async (initials, shown) => {
    const res = await rawGet(svgUrl(initials, 42));
    expect(res.status).toBe(200);
    const svg = res.body.toString('utf8');
    expect(svg).toContain(`>${shown}</text>`);
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('onload');
    expect(svg).not.toContain('&amp;');
    expect(svg.match(/</g)).toHaveLength(5); // <svg, <rect, <text, </text>, </svg>: nothing more
  });

  it.each(['/media/initials/AB/360.svg', '/media/initials/AB/-1.svg', '/media/initials/AB/abc.svg', '/media/initials/AB/12.png', '/media/initials/AB/12', '/media/initials/AB/0012.svg', '/media/initials/AB'])(
    'answers 404 for %s',
    async (url) => {
      expect((await rawGet(url)).status).toBe(404);
    },
  );
});
