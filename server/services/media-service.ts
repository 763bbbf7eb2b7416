// Avatars and post photos. An upload is identified by its bytes (magic numbers, then libvips'
// own reading of the header), never by its name or declared type; its dimensions are checked
// before any pixel is decoded, so a decompression bomb is refused from its header. Accepted images
// are decoded once (first frame only, turned upright per EXIF, converted to sRGB), re-encoded as
// WebP at fixed sizes with no metadata at all (sharp strips everything unless told otherwise), and
// written atomically under <dataDir>/media/ab/cd/<key>-<size>.webp with a random key.
// Members without an avatar get generated initials, served as SVG from a URL that carries
// everything needed to draw them, so no database lookup happens for an image.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
import { ValidationError } from '../errors.ts';
import type { ServiceDeps, UploadedFile } from './context.ts';
import { generateToken } from './tokens.ts';

export type { UploadedFile };

// Process-wide: no libvips operation cache (it would hold decoded images), one thread per image
// (the server has 2 cores), and the jobs below run one at a time, so memory stays bounded.
sharp.cache(false);
sharp.concurrency(1);

export const AVATAR_SIZES = [48, 128, 400] as const;
export const PHOTO_SIZES = [640, 1600] as const;
export type AvatarSize = (typeof AVATAR_SIZES)[number];
export type PhotoSize = (typeof PHOTO_SIZES)[number];

export const MEDIA_LIMITS = {
  /** same as the multipart layer's per-file limit; larger files arrive truncated */
  bytes: 8 * 1024 * 1024,
  pixels: 40_000_000,
  /** a decode that takes longer than this is abandoned (and the file refused) */
  timeoutSeconds: 20,
} as const;

const ALL_SIZES: ReadonlySet<number> = new Set<number>([...AVATAR_SIZES, ...PHOTO_SIZES]);
const KEY_RE = /^[a-z2-7]{26}$/;
const FILE_RE = /^([a-z2-7]{26})-([0-9]{2,4})\.webp$/;

type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif';

// ---------------------------------------------------------------------------------------------
// Detection

/** The image format from the file's first bytes, or null when it is none of the accepted ones. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  const starts = (sig: number[], at = 0) => bytes.length >= at + sig.length && sig.every((b, i) => bytes[at + i] === b);
  if (starts([0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  // "GIF87a" / "GIF89a"
  if (starts([0x47, 0x49, 0x46, 0x38]) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return 'gif';
  // "RIFF" <size> "WEBP"
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  return null;
}

function refuse(field: string, key: string, params?: Record<string, unknown>): ValidationError {
  return new ValidationError({ [field]: params ? { key, params } : { key } });
}

const MEGABYTES = MEDIA_LIMITS.bytes / (1024 * 1024);
const MEGAPIXELS = MEDIA_LIMITS.pixels / 1_000_000;

const inputOptions = {
  failOn: 'error',
  limitInputPixels: MEDIA_LIMITS.pixels,
  // first frame of an animated GIF or WebP
  pages: 1,
  page: 0,
  autoOrient: true,
  sequentialRead: true,
} satisfies SharpOptions;

interface Checked {
  buffer: Buffer;
  /** dimensions once turned upright */
  width: number;
  height: number;
}

/** Everything that can be decided without decoding pixels: size, type, declared dimensions. */
async function inspect(file: UploadedFile, field: string): Promise<Checked> {
  const buffer = file.buffer;
  if (file.truncated || buffer.length > MEDIA_LIMITS.bytes) throw refuse(field, 'media.errors.tooLarge', { max: MEGABYTES });
  if (buffer.length === 0) throw refuse(field, 'media.errors.empty');
  const format = sniffFormat(buffer);
  if (!format) throw refuse(field, 'media.errors.wrongType');
  let meta: Metadata;
  try {
    // Reads the header only.
    meta = await sharp(buffer, inputOptions).metadata();
  } catch (err) {
    if (err instanceof Error && /pixel limit/i.test(err.message)) throw refuse(field, 'media.errors.tooManyPixels', { max: MEGAPIXELS });
    throw refuse(field, 'media.errors.corrupt');
  }
  // libvips picks its loader by sniffing too; it must agree with ours.
  if (meta.format !== format) throw refuse(field, 'media.errors.wrongType');
  const { width, height } = meta.autoOrient;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw refuse(field, 'media.errors.corrupt');
  if (width * height > MEDIA_LIMITS.pixels) throw refuse(field, 'media.errors.tooManyPixels', { max: MEGAPIXELS });
  return { buffer, width, height };
}

// ---------------------------------------------------------------------------------------------
// Processing

// One image at a time in this process: two 40-megapixel decodes at once would double the peak.
let queueTail: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = queueTail.then(task, task);
  queueTail = run.catch(() => undefined);
  return run;
}

interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** Decodes once into upright sRGB pixels at the largest output size. */
async function decode(checked: Checked, shape: (image: Sharp) => Sharp): Promise<Pixels> {
  const { data, info } = await shape(sharp(checked.buffer, inputOptions).timeout({ seconds: MEDIA_LIMITS.timeoutSeconds }))
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

function encode(pixels: Pixels, resize: (image: Sharp) => Sharp): Promise<Buffer> {
  const image = sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels } });
  return resize(image).webp({ quality: 82, effort: 4 }).toBuffer();
}

async function runJob<T>(field: string, work: () => Promise<T>): Promise<T> {
  try {
    return await oneAtATime(work);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    if (err instanceof Error && /pixel limit/i.test(err.message)) throw refuse(field, 'media.errors.tooManyPixels', { max: MEGAPIXELS });
    // Invalid pixel data, a truncated file, a decode that timed out.
    throw refuse(field, 'media.errors.corrupt');
  }
}

// ---------------------------------------------------------------------------------------------
// Storage

export function isMediaKey(key: string): boolean {
  return KEY_RE.test(key);
}

function relativePath(key: string, size: number): string {
  return `${key.slice(0, 2)}/${key.slice(2, 4)}/${key}-${size}.webp`;
}

/** The public address of one size of a stored image. */
export function mediaUrl(key: string, size: number): string {
  if (!isMediaKey(key) || !ALL_SIZES.has(size)) throw new Error(`not a media key and size: ${JSON.stringify(key)}, ${size}`);
  return `/media/${relativePath(key, size)}`;
}

/**
 * The stored image a /media/<a>/<b>/<file> address names, or null when the address is not one
 * this service could have produced (so nothing else on disk can ever be reached through it).
 */
export function parseMediaPath(a: string, b: string, file: string): { key: string; size: number } | null {
  const m = FILE_RE.exec(file);
  if (!m) return null;
  const key = m[1]!;
  const size = Number(m[2]);
  if (!ALL_SIZES.has(size) || a !== key.slice(0, 2) || b !== key.slice(2, 4)) return null;
  return { key, size };
}

export function mediaRoot(dataDir: string): string {
  return path.join(dataDir, 'media');
}

async function writeAtomically(file: string, data: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  // Same folder, so the rename is atomic; the leading dot keeps it out of what /media serves.
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Generated avatars

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });
/** One letter, possibly with a couple of combining marks (é written as e + ◌́). */
const LETTER = /^\p{L}\p{M}{0,2}$/u;

function firstLetter(word: string): string | null {
  for (const { segment } of graphemes.segment(word)) {
    if (LETTER.test(segment)) {
      const upper = segment.toUpperCase();
      // 'ß' would become 'SS': keep the letter as written when upper-casing changes its count.
      return [...graphemes.segment(upper)].length === 1 && LETTER.test(upper) ? upper : segment;
    }
  }
  return null;
}

/** 1–2 letters: the first letters of the first and last words of the name ("Élodie Martin" → "ÉM"). */
export function initialsOf(displayName: string, handle = ''): string {
  const words = displayName
    .normalize('NFC')
    .split(/[\s\p{Z}\p{Pd}_.,;:/|()[\]{}"«»“”]+/u)
    .map(firstLetter)
    .filter((l): l is string => l !== null);
  if (words.length >= 2) return words[0]! + words[words.length - 1]!;
  if (words.length === 1) return words[0]!;
  return firstLetter(handle) ?? '?';
}

/** Keeps at most two letters; anything that is not a letter becomes '?'. */
export function sanitiseInitials(raw: string): string {
  const out: string[] = [];
  for (const { segment } of graphemes.segment(raw.slice(0, 64).normalize('NFC'))) {
    if (out.length === 2) break;
    out.push(LETTER.test(segment) ? segment : '?');
  }
  return out.length ? out.join('') : '?';
}

/** A stable hue (0–359) for a handle: FNV-1a of its lower-cased UTF-8 bytes. */
export function hueOf(handle: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(handle.toLowerCase())) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 360;
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio between two colours. */
export function contrastRatio(a: [number, number, number], b: [number, number, number]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const hex = (rgb: [number, number, number]) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
const WHITE: [number, number, number] = [255, 255, 255];

/** White text on a background of the hue, darkened until the pair passes WCAG AA (4.5:1). */
export function initialsColours(hue: number): { background: string; text: string } {
  let lightness = 0.42;
  let rgb = hslToRgb(hue, 0.55, lightness);
  while (contrastRatio(WHITE, rgb) < 4.5 && lightness > 0.05) {
    lightness -= 0.01;
    rgb = hslToRgb(hue, 0.55, lightness);
  }
  return { background: hex(rgb), text: hex(WHITE) };
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);

/** The SVG of generated initials; the same input always gives the same bytes. */
export function initialsSvg(rawInitials: string, hue: number): string {
  const initials = xmlEscape(sanitiseInitials(rawInitials));
  const { background, text } = initialsColours(((Math.trunc(hue) % 360) + 360) % 360);
  const fontSize = [...graphemes.segment(sanitiseInitials(rawInitials))].length > 1 ? 50 : 60;
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">' +
    `<rect width="128" height="128" fill="${background}"/>` +
    `<text x="64" y="64" text-anchor="middle" dominant-baseline="central" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif" font-size="${fontSize}" font-weight="600" fill="${text}">${initials}</text>` +
    '</svg>'
  );
}

// Pages show dozens of avatars and splitting names into graphemes is not free: the addresses
// are remembered (bounded; the cache is simply emptied when full).
const initialsUrls = new Map<string, string>();
const INITIALS_CACHE_MAX = 20_000;

/** The address of the generated initials of a member. */
export function initialsUrl(user: { handle: string; displayName: string }): string {
  const cacheKey = `${user.handle}\u0000${user.displayName}`;
  let url = initialsUrls.get(cacheKey);
  if (url === undefined) {
    url = `/media/initials/${encodeURIComponent(initialsOf(user.displayName, user.handle))}/${hueOf(user.handle)}.svg`;
    if (initialsUrls.size >= INITIALS_CACHE_MAX) initialsUrls.clear();
    initialsUrls.set(cacheKey, url);
  }
  return url;
}

/** Avatar addresses at 48, 128 and 400 px, or the generated initials for all three. */
export function avatarUrls(user: { handle: string; displayName: string; avatarKey: string | null }): { small: string; medium: string; large: string } {
  if (user.avatarKey && isMediaKey(user.avatarKey)) {
    const [small, medium, large] = AVATAR_SIZES.map((size) => mediaUrl(user.avatarKey!, size)) as [string, string, string];
    return { small, medium, large };
  }
  const url = initialsUrl(user);
  return { small: url, medium: url, large: url };
}

// ---------------------------------------------------------------------------------------------
// The service

export function createMediaService({ config }: ServiceDeps) {
  const root = mediaRoot(config.dataDir);
  const fileOf = (key: string, size: number) => path.join(root, ...relativePath(key, size).split('/'));

  async function remove(key: string): Promise<void> {
    if (!isMediaKey(key)) return;
    await Promise.all([...ALL_SIZES].map((size) => fs.rm(fileOf(key, size), { force: true })));
  }

  async function store(outputs: Map<number, Buffer>): Promise<string> {
    const key = generateToken(16);
    try {
      for (const [size, data] of outputs) await writeAtomically(fileOf(key, size), data);
    } catch (err) {
      await remove(key).catch(() => undefined);
      throw err;
    }
    return key;
  }

  return {
    /** Square avatar, centre-cropped, at every size of AVATAR_SIZES. */
    async storeAvatar(file: UploadedFile, field: string): Promise<{ key: string }> {
      const checked = await inspect(file, field);
      const largest = Math.max(...AVATAR_SIZES);
      const outputs = await runJob(field, async () => {
        const side = Math.min(checked.width, checked.height);
        const square = {
          left: Math.floor((checked.width - side) / 2),
          top: Math.floor((checked.height - side) / 2),
          width: side,
          height: side,
        };
        // Crop first (in upright coordinates), then scale: a 40 000 000 × 1 image never becomes huge.
        const pixels = await decode(checked, (image) => image.extract(square).resize(largest, largest, { fit: 'fill' }));
        const out = new Map<number, Buffer>();
        for (const size of AVATAR_SIZES) out.set(size, await encode(pixels, (image) => (size === largest ? image : image.resize(size, size, { fit: 'fill' }))));
        return out;
      });
      return { key: await store(outputs) };
    },

    /** Photo fitted inside each of PHOTO_SIZES on its long side, never enlarged; width/height of the largest. */
    async storePhoto(file: UploadedFile, field: string): Promise<{ key: string; width: number; height: number }> {
      const checked = await inspect(file, field);
      const largest = Math.max(...PHOTO_SIZES);
      const { outputs, width, height } = await runJob(field, async () => {
        const pixels = await decode(checked, (image) => image.resize(largest, largest, { fit: 'inside', withoutEnlargement: true }));
        const out = new Map<number, Buffer>();
        for (const size of PHOTO_SIZES) {
          out.set(size, await encode(pixels, (image) => (size === largest ? image : image.resize(size, size, { fit: 'inside', withoutEnlargement: true }))));
        }
        return { outputs: out, width: pixels.width, height: pixels.height };
      });
      return { key: await store(outputs), width, height };
    },

    /** Deletes every size of a stored image; unknown keys are ignored. */
    remove,

    /** The bytes of one stored size, or null when there is no such file. */
    async read(key: string, size: number): Promise<Buffer | null> {
      if (!isMediaKey(key) || !ALL_SIZES.has(size)) return null;
      try {
        return await fs.readFile(fileOf(key, size));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
        throw err;
      }
    },
  };
}

export type MediaService = ReturnType<typeof createMediaService>;
