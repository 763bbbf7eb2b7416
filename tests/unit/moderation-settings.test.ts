// The whole numbers the moderation settings forms accept (intInRange, server/services/validation.ts).
import { describe, expect, it } from 'vitest';
import { intInRange } from '../../server/services/validation.ts';

describe('intInRange', () => {
  it.each([
    ['0', 0],
    ['365', 365],
    [' 42 ', 42],
    ['007', 7],
  ])('reads %j as %d within 0–365', (typed, n) => {
    expect(intInRange(typed, { min: 0, max: 365 })).toBe(n);
  });
  it.each([undefined, '', ' ', '366', '-1', '1.5', '1e2', '0x10', '12a', '１２'])('refuses %j within 0–365', (typed) => {
    expect(intInRange(typed, { min: 0, max: 365 })).toBeUndefined();
  });
  it('applies the lower bound', () => {
    expect(intInRange('0', { min: 1, max: 1000 })).toBeUndefined();
    expect(intInRange('1', { min: 1, max: 1000 })).toBe(1);
    expect(intInRange('1001', { min: 1, max: 1000 })).toBeUndefined();
  });
});
