// `npm run schema` (after tsc): writes what the rule registry derives — schema/baseline.schema.json and the rule and
// action tables in README.md and docs/baseline.md — from the compiled core (src/core/registry-docs.ts says what).
// A unit test fails with "run npm run schema" when a committed file differs from what this writes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const { generatedFiles } = await import('../dist/src/core/registry-docs.js');
for (const file of generatedFiles()) {
  const url = new URL(`../${file.path}`, import.meta.url);
  const current = existsSync(url) ? readFileSync(url, 'utf8') : '';
  const next = file.render(current);
  if (next === current) {
    console.log(`${file.path}: current`);
  } else {
    writeFileSync(url, next);
    console.log(`${file.path}: written`);
  }
}
