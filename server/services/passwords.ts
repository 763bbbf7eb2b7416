// Password hashing (argon2id at OWASP parameters) and the strength policy. A password is refused,
// never truncated, past MAX_PASSWORD_BYTES; its strength is judged by zxcvbn-ts with the common,
// French and English dictionaries plus the person's own handle, name and email.
import { hash, verify } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as fr from '@zxcvbn-ts/language-fr';
import * as en from '@zxcvbn-ts/language-en';
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

// One factory for both languages: each factory ranks the whole dictionary in memory (about 60 MB
// for these three lists), so a factory per language doubled the server's resident memory. Without
// translations zxcvbn answers with message keys, which are looked up in the reader's language.
const dictionary = { ...common.dictionary, ...fr.dictionary, ...en.dictionary };
const factory = new ZxcvbnFactory({ dictionary, graphs: common.adjacencyGraphs });
const feedbackTexts: Record<Locale, { warnings: Record<string, string>; suggestions: Record<string, string> }> = {
  fr: fr.translations,
  en: en.translations,
};

/** Answers why a new password is refused, or undefined when it is acceptable. */
export function checkNewPassword(password: string, userInputs: string[], locale: Locale): FieldError | undefined {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    return { key: 'validation.passwordTooLong', params: { max: MAX_PASSWORD_BYTES } };
  }
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return { key: 'validation.passwordTooShort', params: { min: MIN_PASSWORD_LENGTH } };
  }
  // zxcvbn's cost grows with length; past 256 characters a password is strong in any case.
  const result = factory.check(password.slice(0, 256), userInputs.filter(Boolean));
  if (result.score < MIN_SCORE) {
    const texts = feedbackTexts[locale];
    const warning = result.feedback.warning ? texts.warnings[result.feedback.warning] : undefined;
    const suggestion = result.feedback.suggestions[0] ? texts.suggestions[result.feedback.suggestions[0]] : undefined;
    const hint = warning || suggestion || '';
    return { key: hint ? 'validation.passwordWeakBecause' : 'validation.passwordWeak', params: { hint } };
  }
  return undefined;
}
