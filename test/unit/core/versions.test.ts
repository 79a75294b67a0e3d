import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareVersions, parseVersion, sameVersion } from '../../../src/core/versions.js';

describe('compareVersions', () => {
  const ordered: [string, string][] = [
    ['1.9.6', '1.27.0'],
    ['1.27', '1.27.1'],
    ['1.27.9', '1.28.0'],
    ['v1.2.3', '1.10.0'],
    ['1.2.3-preview', '1.2.4'],
  ];
  for (const [low, high] of ordered) {
    it(`${low} < ${high}`, () => {
      assert.ok(compareVersions(low, high) < 0);
      assert.ok(compareVersions(high, low) > 0);
    });
  }

  it('treats missing parts as zero', () => assert.equal(compareVersions('1.27', '1.27.0'), 0));
  it('refuses what is not a version', () => assert.throws(() => compareVersions('latest', '1.0'), /"latest" is not a version/));
});

describe('parseVersion / sameVersion', () => {
  it('parses major.minor.patch', () => assert.deepEqual(parseVersion('1.30.4'), [1, 30, 4]));
  it('returns undefined for text', () => assert.equal(parseVersion('stable'), undefined));
  it('compares versions numerically and other text case-insensitively', () => {
    assert.ok(sameVersion('1.2.0', '1.2'));
    assert.ok(!sameVersion('1.2.1', '1.2.0'));
    assert.ok(sameVersion('Nightly', 'nightly'));
  });
});
