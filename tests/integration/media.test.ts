// The image pipeline on real files made with sharp (never mocked): accepted formats come out as
// WebP at the fixed sizes with no metadata; wrong, broken, oversized and bomb files are refused
// from their bytes, quickly, without the process's memory jumping.
import fs from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp, { type Metadata } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../server/errors.ts';
import { translator } from '../../server/i18n/index.ts';
import {
  AVATAR_SIZES,
  PHOTO_SIZES,
  avatarUrls,
  contrastRatio,
  hueOf,
  initialsColours,
  initialsOf,
  initialsSvg,
  mediaUrl,
  sanitiseInitials,
  sniffFormat,
  type UploadedFile,
} from '../../server/services/media-service.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
let dataDir: string;
let media: TestApp['app']['services']['media'];
beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'entraide-media-'));
  t = await createTestApp({ config: { dataDir } });
  media = t.app.services.media;
});
afterAll(async () => {
  await t.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Making files

const upload = (buffer: Buffer, filename = 'photo.jpg', truncated = false): UploadedFile => ({ buffer, filename, truncated });

const solid = (width: number, height: number, background: string, channels: 3 | 4 = 3) => sharp({ create: { width, height, channels, background } });

/** Left half red, right half blue. */
async function halves(width: number, height: number) {
  const right = await solid(Math.ceil(width / 2), height, '#0000ff').png().toBuffer();
  return solid(width, height, '#ff0000').composite([{ input: right, left: Math.floor(width / 2), top: 0 }]);
}

/** A JPEG with a camera's EXIF: copyright, GPS position, orientation. */
async function jpegWithExif(width: number, height: number, orientation = 1): Promise<Buffer> {
  return (await halves(width, height))
    .jpeg({ quality: 90 })
    .withMetadata({ orientation })
    .withExif({
      IFD0: { Copyright: 'Entraide test', Make: 'TestCam' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 3/1' },
    })
    .toBuffer();
}

/** Three 40×40 frames: red, green, blue. */
async function animatedGif(): Promise<Buffer> {
  const frame = (colour: string) => solid(40, 40, colour).raw().toBuffer();
  const frames = Buffer.concat(await Promise.all(['#ff0000', '#00ff00', '#0000ff'].map(frame)));
  return sharp(frames, { raw: { width: 40, height: 120, channels: 3, pageHeight: 40 } }).gif({ delay: [100, 100, 100], loop: 0 }).toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A greyscale PNG declaring width × height whose IDAT holds `rows` rows of zeros, deflated as a
 * stream (never held whole in memory). rows = height makes a real decompression bomb: 400 MB of
 * pixels in a few hundred kilobytes; fewer rows make a tiny file that only claims to be big.
 */
async function greyPng(width: number, height: number, rows = height): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const deflate = zlib.createDeflate({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  const rowsPerBlock = Math.max(1, Math.floor((1 << 20) / (width + 1)));
  const block = Buffer.alloc(rowsPerBlock * (width + 1));
  for (let done = 0; done < rows; done += rowsPerBlock) {
    const n = Math.min(rowsPerBlock, rows - done);
    if (!deflate.write(block.subarray(0, n * (width + 1)))) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', Buffer.concat(out)), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A small real JPEG whose frame header (SOF) claims other dimensions. */
async function jpegClaiming(width: number, height: number): Promise<Buffer> {
  const jpeg = Buffer.from(await solid(64, 64, '#808080').jpeg().toBuffer());
  for (let i = 2; i < jpeg.length - 9; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1]! >= 0xc0 && jpeg[i + 1]! <= 0xc2) {
      jpeg.writeUInt16BE(height, i + 5);
      jpeg.writeUInt16BE(width, i + 7);
      return jpeg;
    }
  }
  throw new Error('no SOF marker');
}

// ---------------------------------------------------------------------------------------------
// Checking results

const fileOf = (key: string, size: number) => path.join(dataDir, 'media', key.slice(0, 2), key.slice(2, 4), `${key}-${size}.webp`);
const exists = (file: string) => fs.stat(file).then(() => true, () => false);

async function output(key: string, size: number) {
  const bytes = await fs.readFile(fileOf(key, size));
  return { bytes, meta: await sharp(bytes).metadata() };
}

async function pixel(bytes: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + 3)];
}

const near = (actual: number[], expected: number[], tolerance = 40) => actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance);

/** Output carries no EXIF, ICC, IPTC or XMP, and nothing of the camera's strings anywhere. */
function expectNoMetadata(meta: Metadata, bytes: Buffer) {
  expect(meta.format).toBe('webp');
  expect(meta.exif).toBeUndefined();
  expect(meta.icc).toBeUndefined();
  expect(meta.iptc).toBeUndefined();
  expect(meta.xmp).toBeUndefined();
  expect(meta.hasProfile).toBe(false);
  expect(meta.orientation).toBeUndefined();
  expect(bytes.includes('Entraide test')).toBe(false);
  expect(bytes.includes('TestCam')).toBe(false);
  // A WebP keeps metadata in EXIF / ICCP / XMP chunks: none.
  for (const chunk of ['EXIF', 'ICCP', 'XMP ']) expect(bytes.includes(chunk)).toBe(false);
}

async function refusal(promise: Promise<unknown>, field = 'avatar'): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  const fields = (err as ValidationError).fields;
  expect(Object.keys(fields)).toEqual([field]);
  return fields[field]!.key;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Runs fn and reports how long it took and how much the process's resident memory grew. */
async function measured<T>(label: string, fn: () => Promise<T>): Promise<{ value: T; ms: number; rssGrowthMb: number }> {
  const before = process.memoryUsage().rss;
  const start = performance.now();
  const value = await fn();
  const ms = Math.round(performance.now() - start);
  const rssGrowthMb = mb(process.memoryUsage().rss - before);
  console.log(`[media] ${label}: ${ms} ms, rss ${mb(before)} → ${mb(process.memoryUsage().rss)} MB (growth ${rssGrowthMb} MB)`);
  return { value, ms, rssGrowthMb };
}

// ---------------------------------------------------------------------------------------------

describe('accepted images', () => {
  it('turns a JPEG with EXIF (GPS, copyright, orientation) into upright WebP avatars with no metadata at all', async () => {
    // Stored 300×100 with orientation 6: shown upright it is 100×300, red on top, blue below.
    const input = await jpegWithExif(300, 100, 6);
    const inMeta = await sharp(input).metadata();
    expect(inMeta.orientation).toBe(6);
    expect(inMeta.exif).toBeDefined();
    // The GPS IFD pointer (tag 0x8825) is really in the input.
    expect(inMeta.exif!.includes(Buffer.from([0x88, 0x25])) || inMeta.exif!.includes(Buffer.from([0x25, 0x88]))).toBe(true);

    const { key } = await media.storeAvatar(upload(input, 'IMG_0001.JPG'), 'avatar');
    expect(key).toMatch(/^[a-z2-7]{26}$/);
    for (const size of AVATAR_SIZES) {
      const { bytes, meta } = await output(key, size);
      expect([meta.width, meta.height]).toEqual([size, size]);
      expectNoMetadata(meta, bytes);
    }
    // Centre square of the upright picture: top half red, bottom half blue. Had the orientation
    // been ignored, the left half would be red and the right half blue.
    const large = (await output(key, 400)).bytes;
    expect(near(await pixel(large, 10, 10), [255, 0, 0])).toBe(true);
    expect(near(await pixel(large, 10, 390), [0, 0, 255])).toBe(true);
    expect(near(await pixel(large, 390, 10), [255, 0, 0])).toBe(true);
  });

  it('fits a JPEG photo inside 640 and 1600 px keeping its ratio, upright, without metadata', async () => {
    const input = await jpegWithExif(2400, 1800, 6);
    const result = await media.storePhoto(upload(input), 'photo');
    // Upright the picture is 1800×2400.
    expect(result).toMatchObject({ width: 1200, height: 1600 });
    const big = await output(result.key, 1600);
    expect([big.meta.width, big.meta.height]).toEqual([1200, 1600]);
    expectNoMetadata(big.meta, big.bytes);
    const small = await output(result.key, 640);
    expect([small.meta.width, small.meta.height]).toEqual([480, 640]);
    expectNoMetadata(small.meta, small.bytes);
  });

  it('never enlarges a small photo', async () => {
    const input = await solid(500, 300, '#336699').png().toBuffer();
    const result = await media.storePhoto(upload(input, 'small.png'), 'photo');
    expect(result).toMatchObject({ width: 500, height: 300 });
    for (const size of PHOTO_SIZES) {
      const { meta } = await output(result.key, size);
      expect([meta.width, meta.height]).toEqual([500, 300]);
    }
  });

  it('accepts a PNG with transparency and keeps it', async () => {
    const input = await solid(200, 120, '#00aa0080', 4).png().toBuffer();
    const { key } = await media.storeAvatar(upload(input, 'logo.png'), 'avatar');
    const { meta, bytes } = await output(key, 128);
    expect([meta.width, meta.height, meta.hasAlpha]).toEqual([128, 128, true]);
    expectNoMetadata(meta, bytes);
  });

  it('accepts a WebP', async () => {
    const input = await (await halves(900, 600)).webp().toBuffer();
    const result = await media.storePhoto(upload(input, 'image.webp'), 'photo');
    expect(result).toMatchObject({ width: 900, height: 600 });
    const { meta } = await output(result.key, 640);
    expect([meta.width, meta.height]).toEqual([640, 427]);
  });

  it('takes only the first frame of an animated GIF', async () => {
    const input = await animatedGif();
    expect((await sharp(input).metadata()).pages).toBe(3);
    const { key } = await media.storeAvatar(upload(input, 'anim.gif'), 'avatar');
    for (const size of AVATAR_SIZES) {
      const { meta, bytes } = await output(key, size);
      expect([meta.width, meta.height]).toEqual([size, size]);
      expect(meta.pages ?? 1).toBe(1);
      expect(near(await pixel(bytes, size >> 1, size >> 1), [255, 0, 0])).toBe(true);
    }
  });

  it('converts an image with an ICC profile to sRGB and drops the profile', async () => {
    const input = await solid(300, 300, '#cc4422').withIccProfile('p3').jpeg().toBuffer();
    expect((await sharp(input).metadata()).hasProfile).toBe(true);
    const { key } = await media.storeAvatar(upload(input), 'avatar');
    const { meta, bytes } = await output(key, 48);
    expectNoMetadata(meta, bytes);
  });

  it('decodes a heavy image within the limits with bounded memory (36 megapixels)', async () => {
    const input = await greyPng(6000, 6000);
    const { value, rssGrowthMb } = await measured(`accepted 6000×6000 PNG (${mb(input.length)} MB file)`, () => media.storePhoto(upload(input, 'big.png'), 'photo'));
    expect(value).toMatchObject({ width: 1600, height: 1600 });
    expect(rssGrowthMb).toBeLessThan(400);

    // The costly kind: a progressive JPEG keeps every coefficient of the picture while decoding.
    const texture = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    const jpeg = await sharp(texture).resize(6000, 6000, { kernel: 'cubic' }).jpeg({ quality: 85, progressive: true }).toBuffer();
    expect(jpeg.length).toBeLessThan(8 * 1024 * 1024);
    const heavy = await measured(`accepted 6000×6000 progressive JPEG (${mb(jpeg.length)} MB file)`, () => media.storePhoto(upload(jpeg), 'photo'));
    expect(heavy.value).toMatchObject({ width: 1600, height: 1600 });
    expect(heavy.rssGrowthMb).toBeLessThan(400);
  });
});

describe('storage', () => {
  it('writes every size under media/ab/cd/<key>-<size>.webp atomically, with random keys', async () => {
    const input = await solid(64, 64, '#123456').png().toBuffer();
    const a = await media.storeAvatar(upload(input), 'avatar');
    const b = await media.storeAvatar(upload(input), 'avatar');
    expect(a.key).not.toBe(b.key);
    for (const size of AVATAR_SIZES) expect(await exists(fileOf(a.key, size))).toBe(true);
    const shard = path.dirname(fileOf(a.key, 48));
    const names = await fs.readdir(shard);
    expect(names.filter((n) => n.startsWith(a.key)).sort()).toEqual(AVATAR_SIZES.map((s) => `${a.key}-${s}.webp`).sort());
    // No temporary file left behind.
    expect(names.some((n) => n.startsWith('.') || n.endsWith('.tmp'))).toBe(false);
  });

  it('remove() deletes every size of a key, and ignores unknown or malformed keys', async () => {
    const input = await solid(800, 500, '#654321').jpeg().toBuffer();
    const photo = await media.storePhoto(upload(input), 'photo');
    const avatar = await media.storeAvatar(upload(input), 'avatar');
    await media.remove(photo.key);
    await media.remove(avatar.key);
    for (const size of PHOTO_SIZES) expect(await exists(fileOf(photo.key, size))).toBe(false);
    for (const size of AVATAR_SIZES) expect(await exists(fileOf(avatar.key, size))).toBe(false);
    await expect(media.remove(photo.key)).resolves.toBeUndefined();
    await expect(media.remove('../../package')).resolves.toBeUndefined();
    await expect(media.remove('')).resolves.toBeUndefined();
  });

  it('builds addresses only from real keys and sizes', () => {
    const key = 'abcdefghijklmnopqrstuvwxyz';
    expect(mediaUrl(key, 128)).toBe(`/media/ab/cd/${key}-128.webp`);
    expect(() => mediaUrl('../etc', 128)).toThrow();
    expect(() => mediaUrl(key, 129)).toThrow();
  });
});

describe('refused files', () => {
  it.each([
    ['a text file named .jpg', () => Buffer.from('Bonjour, ceci n’est pas une image.\n'), 'x.jpg', 'media.errors.wrongType'],
    ['an SVG', () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'), 'a.png', 'media.errors.wrongType'],
    ['an SVG with an XML declaration', () => Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'), 'a.svg', 'media.errors.wrongType'],
    ['a PDF', () => Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'), 'a.jpg', 'media.errors.wrongType'],
    ['an HTML page', () => Buffer.from('<!doctype html><title>x</title>'), 'a.gif', 'media.errors.wrongType'],
    ['a TIFF', async () => solid(10, 10, '#ffffff').tiff().toBuffer(), 'a.jpg', 'media.errors.wrongType'],
    ['JPEG magic followed by garbage', () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 0x41)]), 'a.jpg', 'media.errors.corrupt'],
    ['a truncated JPEG', async () => (await jpegWithExif(800, 600)).subarray(0, 4000), 'a.jpg', 'media.errors.corrupt'],
    ['a truncated PNG', async () => (await (await halves(400, 300)).png().toBuffer()).subarray(0, 300), 'a.png', 'media.errors.corrupt'],
    ['a WebP header with nothing inside', () => Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 \x00\x00\x00\x00', 'latin1'), 'a.webp', 'media.errors.corrupt'],
    ['a GIF header alone', () => Buffer.from('GIF89a\x0a\x00\x0a\x00\x00\x00\x00', 'latin1'), 'a.gif', 'media.errors.corrupt'],
    ['an empty file', () => Buffer.alloc(0), 'a.jpg', 'media.errors.empty'],
  ])('refuses %s (detected from its bytes, not its name)', async (_label, make, filename, key) => {
    const buffer = await make();
    expect(await refusal(media.storeAvatar(upload(buffer, filename), 'avatar'))).toBe(key);
    expect(await refusal(media.storePhoto(upload(buffer, filename), 'photo'), 'photo')).toBe(key);
  });

  it('refuses a file the upload layer cut at 8 MB, and anything over 8 MB', async () => {
    const valid = await solid(64, 64, '#abcdef').png().toBuffer();
    expect(await refusal(media.storePhoto(upload(valid, 'a.png', true), 'photo'), 'photo')).toBe('media.errors.tooLarge');
    const oversized = Buffer.concat([valid, Buffer.alloc(8 * 1024 * 1024 + 1 - valid.length)]);
    const { value: key, ms, rssGrowthMb } = await measured('refused 8 MB + 1 byte file', () => refusal(media.storePhoto(upload(oversized), 'photo'), 'photo'));
    expect(key).toBe('media.errors.tooLarge');
    expect(ms).toBeLessThan(1000);
    expect(rssGrowthMb).toBeLessThan(200);
  });

  it('refuses decompression bombs from their header, quickly and without the memory jumping', async () => {
    const bombs: [string, Buffer][] = [
      ['tiny PNG declaring 30000×30000', await greyPng(30_000, 30_000, 1)],
      ['real PNG bomb 20000×20000 (400 MB of pixels)', await greyPng(20_000, 20_000)],
      ['JPEG declaring 65000×65000', await jpegClaiming(65_000, 65_000)],
      ['PNG of 42 megapixels (7000×6000)', await greyPng(7000, 6000)],
    ];
    for (const [label, buffer] of bombs) {
      expect(buffer.length).toBeLessThan(8 * 1024 * 1024);
      for (const [kind, store] of [['avatar', media.storeAvatar], ['photo', media.storePhoto]] as const) {
        const { value: key, ms, rssGrowthMb } = await measured(`refused ${label} (${Math.round(buffer.length / 1024)} KB) as ${kind}`, () => refusal(store(upload(buffer, 'bomb.png'), kind), kind));
        expect(key).toBe('media.errors.tooManyPixels');
        expect(ms).toBeLessThan(1000);
        expect(rssGrowthMb).toBeLessThan(200);
      }
    }
  });

  it('writes nothing for a refused file', async () => {
    const before = await fs.readdir(path.join(dataDir, 'media'), { recursive: true });
    await refusal(media.storeAvatar(upload(await greyPng(30_000, 30_000, 1)), 'avatar'));
    await refusal(media.storeAvatar(upload(Buffer.from('not an image')), 'avatar'));
    expect(await fs.readdir(path.join(dataDir, 'media'), { recursive: true })).toEqual(before);
  });

  it('has every refusal message in French and English', () => {
    for (const key of ['tooLarge', 'empty', 'wrongType', 'corrupt', 'tooManyPixels']) {
      for (const locale of ['fr', 'en'] as const) {
        const text = translator(locale)(`media.errors.${key}`, { max: 8 });
        expect(text).not.toContain('media.errors');
        expect(text).not.toContain('{{');
      }
    }
    expect(translator('fr')('media.errors.tooLarge', { max: 8 })).toContain('8\u00a0Mo');
    expect(translator('fr')('media.errors.tooLarge', { max: 8 })).toContain('volumineux\u00a0:');
  });
});

describe('format detection', () => {
  it('reads magic numbers, not names', async () => {
    expect(sniffFormat(await solid(4, 4, '#fff').jpeg().toBuffer())).toBe('jpeg');
    expect(sniffFormat(await solid(4, 4, '#fff').png().toBuffer())).toBe('png');
    expect(sniffFormat(await solid(4, 4, '#fff').webp().toBuffer())).toBe('webp');
    expect(sniffFormat(await solid(4, 4, '#fff').gif().toBuffer())).toBe('gif');
    expect(sniffFormat(Buffer.from('RIFF\x00\x00\x00\x00WAVEfmt ', 'latin1'))).toBeNull();
    expect(sniffFormat(Buffer.from([0xff, 0xd8]))).toBeNull();
    expect(sniffFormat(Buffer.alloc(0))).toBeNull();
  });
});

describe('generated avatars', () => {
  it('takes 1–2 letters from the display name, Unicode-aware', () => {
    expect(initialsOf('Élodie Martin')).toBe('ÉM');
    expect(initialsOf('e\u0301lodie martin')).toBe('ÉM');
    expect(initialsOf('Jean-Pierre de la Fontaine')).toBe('JF');
    expect(initialsOf('  Zoë  ')).toBe('Z');
    expect(initialsOf('Łukasz Żółw')).toBe('ŁŻ');
    expect(initialsOf('Ιωάννα Παπαδοπούλου')).toBe('ΙΠ');
    expect(initialsOf('山田 太郎')).toBe('山太');
    expect(initialsOf('🌻 Camille')).toBe('C');
    expect(initialsOf('123', 'dominique_42')).toBe('D');
    expect(initialsOf('!!!', '42')).toBe('?');
  });

  it('escapes and restricts what goes into the SVG', () => {
    expect(sanitiseInitials('<script>')).toBe('?s');
    expect(sanitiseInitials('<&')).toBe('??');
    expect(sanitiseInitials('A"')).toBe('A?');
    expect(sanitiseInitials('ÉM')).toBe('ÉM');
    expect(sanitiseInitials('ABCDEF')).toBe('AB');
    expect(sanitiseInitials('')).toBe('?');
    const svg = initialsSvg('"/><script>alert(1)</script>', 10);
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('alert');
    expect(svg).toMatch(/>\?\?<\/text>/);
    expect(initialsSvg('ÉM', 200)).toContain('>ÉM</text>');
  });

  it('is deterministic: same handle, same hue; same address, same bytes', () => {
    expect(hueOf('elodie')).toBe(hueOf('elodie'));
    expect(hueOf('Elodie')).toBe(hueOf('elodie'));
    expect(hueOf('elodie')).not.toBe(hueOf('martin'));
    const hues = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((h) => hueOf(`member_${h}`)));
    expect(hues.size).toBeGreaterThan(4);
    expect(initialsSvg('ÉM', 123)).toBe(initialsSvg('ÉM', 123));
  });

  it('passes WCAG AA contrast for every hue', () => {
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
    for (let hue = 0; hue < 360; hue++) {
      const { background, text } = initialsColours(hue);
      expect(contrastRatio(rgb(text), rgb(background))).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('avatarUrls gives the three stored sizes, or the initials for all three', () => {
    const key = 'abcdefghijklmnopqrstuvwxyz';
    expect(avatarUrls({ handle: 'elodie', displayName: 'Élodie Martin', avatarKey: key })).toEqual({
      small: `/media/ab/cd/${key}-48.webp`,
      medium: `/media/ab/cd/${key}-128.webp`,
      large: `/media/ab/cd/${key}-400.webp`,
    });
    const svg = `/media/initials/${encodeURIComponent('ÉM')}/${hueOf('elodie')}.svg`;
    expect(avatarUrls({ handle: 'elodie', displayName: 'Élodie Martin', avatarKey: null })).toEqual({ small: svg, medium: svg, large: svg });
  });
});
