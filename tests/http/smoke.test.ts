import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('home page', () => {
  it('renders in French by default', async () => {
    const res = await t.client().get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<html lang="fr">');
  });
});
