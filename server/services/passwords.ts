// Password hashing (argon2id at OWASP parameters) and the strength policy. A password is refused,
// never truncated, past MAX_PASSWORD_BYTES; its strength is judged by zxcvbn-ts with the common,
// French and English dictionaries plus the person's own handle, name and email.
import { hash, verify } from '@node-rs/argon2';
import { Worker } from 'node:worker_threads';
// Only the feedback texts are read here: they are small; the dictionaries stay in the worker.
import { translations as frTranslations } from '@zxcvbn-ts/language-fr';
import { translations as enTranslations } from '@zxcvbn-ts/language-en';
import type { StrengthAnswer, StrengthRequest } from './password-strength-worker.ts';
import type { Locale } from '../config.ts';
import type { FieldError } from '../errors.ts';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_BYTES = 1024;
/** zxcvbn score (0–4) a password must reach */
const MIN_SCORE = 3;

// algorithm 2 is Argon2id (the package exports it as a const enum, which type stripping cannot read).
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verified against when the account does not exist, so a wrong login costs the same time either way.
let dummyHash: Promise<string> | undefined;
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword('entraide-timing-equaliser-not-a-password');
  await verifyPassword(await dummyHash, password);
  return false;
}

// The strength check runs in a worker thread (server/services/password-strength-worker.ts): its
// dictionaries take about 80 MB and each check some 30 ms of CPU. The worker starts with the first
// check and exits after IDLE_MS without one, so a server that is not signing people up does not
// carry them, and the event loop never waits for a check.
const IDLE_MS = 5 * 60_000;
const feedbackTexts: Record<Locale, { warnings: Record<string, string>; suggestions: Record<string, string> }> = {
  fr: frTranslations,
  en: enTranslations,
};
let worker: Worker | undefined;
let idleTimer: NodeJS.Timeout | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: (a: StrengthAnswer) => void; reject: (e: Error) => void }>();

function failAll(err: Error) {
  for (const w of waiting.values()) w.reject(err);
  waiting.clear();
}

function strengthWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./password-strength-worker.ts', import.meta.url));
  // The worker never keeps the process alive by itself.
  w.unref();
  w.on('message', (answer: StrengthAnswer) => {
    waiting.get(answer.id)?.resolve(answer);
    waiting.delete(answer.id);
    if (waiting.size === 0) {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => void stopPasswordWorker(), IDLE_MS).unref();
    }
  });
  w.on('error', (err) => {
    if (worker === w) worker = undefined;
    failAll(err);
  });
  w.on('exit', () => {
    if (worker === w) worker = undefined;
    failAll(new Error('the password strength worker stopped'));
  });
  worker = w;
  return w;
}

/** Stops the strength worker now (it starts again with the next check). */
export async function stopPasswordWorker(): Promise<void> {
  clearTimeout(idleTimer);
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}

function strength(password: string, userInputs: string[]): Promise<StrengthAnswer> {
  clearTimeout(idleTimer);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    strengthWorker().postMessage({ id, password, userInputs } satisfies StrengthRequest);
  });
}

/** Answers why a new password is refused, or undefined when it is acceptable. */
export async function checkNewPassword(password: string, userInputs: string[], locale: Locale): Promise<FieldError | undefined> {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    return { key: 'validation.passwordTooLong', params: { max: MAX_PASSWORD_BYTES } };
  }
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return { key: 'validation.passwordTooShort', params: { min: MIN_PASSWORD_LENGTH } };
  }
  // zxcvbn's cost grows with length; past 256 characters a password is strong in any case.
  const result = await strength(password.slice(0, 256), userInputs.filter(Boolean));
  if (result.score < MIN_SCORE) {
    const texts = feedbackTexts[locale];
    const warning = result.warning ? texts.warnings[result.warning] : undefined;
    const suggestion = result.suggestion ? texts.suggestions[result.suggestion] : undefined;
    const hint = warning || suggestion || '';
    return { key: hint ? 'validation.passwordWeakBecause' : 'validation.passwordWeak', params: { hint } };
  }
  return undefined;
}
