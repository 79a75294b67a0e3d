import { describe, expect, test } from '@jest/globals';
import { approves } from '../../../src/core/approvals.js';

const STEP = { id: 'required-extension/flux:install-extension', ruleId: 'required-extension/flux' };

describe('approves', () => {
  const cases: [name: string, approvals: string[], expected: boolean][] = [
    ['the step id', ['required-extension/flux:install-extension'], true],
    ['the rule id (every step of the rule)', ['required-extension/flux'], true],
    ['the step id in another casing', ['Required-Extension/Flux:Install-Extension'], true],
    ['the rule id in another casing', ['REQUIRED-EXTENSION/FLUX'], true],
    ['one of several approvals', ['managed-identity', 'required-extension/flux'], true],
    ['nothing', [], false],
    ['another rule', ['required-extension/dapr'], false],
    ['another action of the rule', ['required-extension/flux:repair-extension'], false],
    ['a prefix of the rule id', ['required-extension'], false],
    ['the action alone', ['install-extension'], false],
  ];
  test.each(cases)('%s: %s -> %s', (_name, approvals, expected) => {
    expect(approves(approvals, STEP)).toBe(expected);
  });
});
