// The document limits (issue 17): a deep or huge document is bad input naming the limit, found without parsing.
import { describe, expect, test } from '@jest/globals';
import { INPUT_LIMITS, jsonTextProblem, valueDepthProblem, yamlTextProblem } from '../../../src/core/limits.js';

const MAX = INPUT_LIMITS.maxNestingDepth;
const DEEP = /^nests deeper than 64 levels of objects and arrays/;

describe('jsonTextProblem', () => {
  const fine: [string, string][] = [
    ['an empty object', '{}'],
    ['64 levels of arrays', `${'['.repeat(MAX)}${']'.repeat(MAX)}`],
    ['brackets inside strings', JSON.stringify({ a: '[[[[{{{{'.repeat(100), b: 'quote \\" [' })],
  ];
  test.each(fine)('accepts %s', (_name, text) => {
    expect(jsonTextProblem(text)).toBeUndefined();
  });

  const tooDeep: [string, string][] = [
    ['65 levels of arrays', `${'['.repeat(MAX + 1)}${']'.repeat(MAX + 1)}`],
    ['a 200,000-level array (issue 17)', '['.repeat(200_000)],
    ['a 20,000-level object (issue 17)', '{"a":'.repeat(20_000)],
  ];
  test.each(tooDeep)('refuses %s', (_name, text) => {
    expect(jsonTextProblem(text)).toMatch(DEEP);
  });

  test('refuses a document past the size limit, naming both sizes', () => {
    const text = `"${'x'.repeat(INPUT_LIMITS.maxDocumentCharacters)}"`;

    expect(jsonTextProblem(text)).toBe(`is too large: ${text.length} characters, at most ${INPUT_LIMITS.maxDocumentCharacters} are read`);
  });
});

describe('yamlTextProblem', () => {
  test('accepts a baseline-shaped document', () => {
    expect(yamlTextProblem('version: 1\nrules:\n  managedIdentity:\n    mode: auto\nrequiredExtensions:\n  - name: flux\n    extensionType: microsoft.flux\n    mode: auto\n# a comment\n\n')).toBeUndefined();
  });

  const tooDeep: [string, string][] = [
    ['flow sequences', `a: ${'['.repeat(MAX + 1)}`],
    ['block mappings', Array.from({ length: MAX + 1 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')],
    ['sequences opened on one line', `a:\n  ${'- '.repeat(MAX + 1)}x`],
  ];
  test.each(tooDeep)('refuses nesting by %s', (_name, text) => {
    expect(yamlTextProblem(text)).toMatch(DEEP);
  });

  test('refuses a document past the size limit', () => {
    expect(yamlTextProblem(`a: ${'x'.repeat(INPUT_LIMITS.maxDocumentCharacters)}`)).toMatch(/^is too large: /);
  });
});

describe('valueDepthProblem', () => {
  const nested = (depth: number): unknown => {
    let value: unknown = 'leaf';
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
    return value;
  };

  test('accepts 64 levels, a shared object and a Date', () => {
    const shared = { a: 1 };
    expect(valueDepthProblem(nested(MAX))).toBeUndefined();
    expect(valueDepthProblem({ x: shared, y: shared, at: new Date(0) })).toBeUndefined();
  });

  test('refuses 65 levels and 200,000 levels without overflowing the stack', () => {
    expect(valueDepthProblem(nested(MAX + 1))).toMatch(DEEP);
    expect(valueDepthProblem(nested(200_000))).toMatch(DEEP);
  });
});
