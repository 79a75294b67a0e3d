// The repository stands on its own: nothing in it reaches for a folder beside the checkout.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { REPO_ROOT } from '../support/paths.js';

const SKIPPED = new Set(['node_modules', 'dist', '.git', 'out', 'coverage', '.tools']);
// Built from parts so that this file does not match itself.
const SHARED = ['sha', 'red'].join('');
const SIBLING_SHARED = `../${SHARED}`;

function* files(directory: string): Generator<string> {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile() && statSync(full).size < 2_000_000) yield full;
  }
}

describe('the repository stands on its own', () => {
  test(`no file mentions ${SIBLING_SHARED}`, () => {
    const offenders = [...files(REPO_ROOT)]
      .filter((file) => !file.endsWith('package-lock.json'))
      .filter((file) => readFileSync(file, 'utf8').includes(SIBLING_SHARED))
      .map((file) => path.relative(REPO_ROOT, file));

    expect(offenders).toStrictEqual([]);
  });

  test('no code walks up the tree looking for a fixtures folder beside the checkout', () => {
    // A path joined from the two folder names, or written out with a slash between them.
    const lookup = new RegExp(`['"]${SHARED}['"]\\s*,\\s*['"]fixtures['"]|${SHARED}/fixtures`);

    const offenders = [...files(REPO_ROOT)]
      .filter((file) => /\.(ts|js|mjs|cjs|sh)$/.test(file) || path.basename(file) === 'run')
      .filter((file) => lookup.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(REPO_ROOT, file));

    expect(offenders).toStrictEqual([]);
  });
});
