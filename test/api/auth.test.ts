// The API's bearer check (src/api/auth.ts): right token only, whatever the length or content of a wrong one. Both
// sides are hashed before `timingSafeEqual`, which throws on buffers of different lengths: a wrong token of any
// length is answered false, not with an exception, which is what shows the comparison runs on equal-size digests.
import { describe, expect, it } from 'vitest';

import { bearerMatches } from '../../src/api/auth.js';

const TOKEN = 's3cret-token';

describe('bearerMatches', () => {
  it('takes exactly `Bearer <token>`, the scheme in any case, spaces around the token ignored', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer  ${TOKEN} `, TOKEN)).toBe(true);
    expect(bearerMatches(`BEARER ${TOKEN}`, TOKEN)).toBe(true);
  });

  it('refuses every other header: wrong, shorter, longer, a prefix, another scheme, none', () => {
    for (const header of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer s', `Bearer ${'x'.repeat(10_000)}`, `Basic ${TOKEN}`, TOKEN, 'Bearer ', '', undefined]) {
      expect(bearerMatches(header, TOKEN), String(header).slice(0, 40)).toBe(false);
    }
  });

  it('an empty configured token matches nothing, not even an empty one', () => {
    expect(bearerMatches('Bearer ', '')).toBe(false);
    expect(bearerMatches(undefined, '')).toBe(false);
  });
});
