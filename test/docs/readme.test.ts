// The README's config reference is generated from the schema; this fails when they drift apart.
import { readFileSync } from 'node:fs';

import { expect, it } from 'vitest';

import { withConfigReference } from '../../scripts/config-reference.js';

it('README config reference matches the schema (run `npm run docs:config` after changing the schema)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  expect(readme).toBe(withConfigReference(readme));
});
