import { describe, expect, test } from '@jest/globals';
import { compareVersions, parseVersion, sameVersion } from '../../../src/core/versions.js';

describe('compareVersions', () => {
  const ordered: [string, string][] = [
    ['1.9.6', '1.27.0'],
    ['1.27', '1.27.1'],
    ['1.27.9', '1.28.0'],
    ['v1.2.3', '1.10.0'],
    ['1.2.3-preview', '1.2.4'],
  ];
  test.each(ordered)('%s < %s', (low, high) => {
    expect(compareVersions(low, high)).toBeLessThan(0);
    expect(compareVersions(high, low)).toBeGreaterThan(0);
  });

  test('treats missing parts as zero', () => {
    expect(compareVersions('1.27', '1.27.0')).toBe(0);
  });

  test('refuses what is not a version, on either side', () => {
    expect(() => compareVersions('latest', '1.0')).toThrow(/"latest" is not a version/);
    expect(() => compareVersions('1.0', 'stable')).toThrow(/"stable" is not a version/);
  });
});

describe('parseVersion / sameVersion', () => {
  test('parses major.minor.patch', () => {
    expect(parseVersion('1.30.4')).toStrictEqual([1, 30, 4]);
  });

  test('reads a bare major version, a v prefix and build metadata', () => {
    expect(parseVersion('2')).toStrictEqual([2, 0, 0]);
    expect(parseVersion(' v1.28 ')).toStrictEqual([1, 28, 0]);
    expect(parseVersion('1.2.3+build.7')).toStrictEqual([1, 2, 3]);
  });

  test('returns undefined for text', () => {
    expect(parseVersion('stable')).toBeUndefined();
  });

  test('compares versions numerically and other text case-insensitively', () => {
    expect(sameVersion('1.2.0', '1.2')).toBe(true);
    expect(sameVersion('1.2.1', '1.2.0')).toBe(false);
    expect(sameVersion('Nightly', 'nightly')).toBe(true);
  });
});

describe('SemVer pre-release and build parts (issue 14)', () => {
  // Dapr on AKS publishes versions as <major>.<minor>.<patch>-msft.<n> (AKS docs dapr.md).
  const ordered: [low: string, high: string][] = [
    ['1.14.4-msft.9', '1.14.4-msft.10'],
    ['1.14.4-msft.10', '1.14.4'],
    ['1.14.4-msft.10', '1.14.5-msft.1'],
    ['1.2.3-alpha', '1.2.3-alpha.1'],
    ['1.2.3-alpha.1', '1.2.3-beta'],
    ['1.2.3-beta.2', '1.2.3-beta.11'],
    ['1.27-preview', '1.27.0'],
    ['1.2.3+build.1', '1.2.3+build.2'],
  ];
  test.each(ordered)('%s < %s', (low, high) => {
    expect(compareVersions(low, high)).toBeLessThan(0);
    expect(compareVersions(high, low)).toBeGreaterThan(0);
  });

  const same: [a: string, b: string, equal: boolean][] = [
    ['1.14.4-msft.10', '1.14.4-msft.9', false],
    ['1.14.4-msft.10', '1.14.4-msft.10', true],
    ['1.14.4-msft.10', '1.14.4', false],
    ['v1.14.4-MSFT.10', '1.14.4-MSFT.10', true],
    ['1.2.3+build.1', '1.2.3+build.2', false],
    ['1.27', '1.27.0', true],
  ];
  test.each(same)('sameVersion(%s, %s) is %s', (a, b, equal) => {
    expect(sameVersion(a, b)).toBe(equal);
  });

  test('reads the numbers of a version whose suffix SemVer refuses, and refuses numbers past 2^53', () => {
    expect(parseVersion('1.2.3-01')).toStrictEqual([1, 2, 3]);
    expect(parseVersion('1.2.3-')).toStrictEqual([1, 2, 3]);
    expect(parseVersion('99999999999999999999.1')).toBeUndefined();
  });
});
