import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_KEY_LENGTH, clusterKey, decodeKey, encodeKey, invertedCounter, invertedTime, lookupKey, prefixEnd, tableKey } from '../../../../src/azure/storage/keys.js';

// What the Table service refuses in PartitionKey/RowKey.
// eslint-disable-next-line no-control-regex -- control characters are exactly what keys must not contain
const FORBIDDEN = /[/\\#?\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// Strings heavy in the characters that matter: forbidden ones, the escape characters, letters in both cases,
// non-ASCII letters, astral characters and lone surrogates.
const awkwardChar = fc.constantFrom('/', '\\', '#', '?', '%', '|', '%2F', '\u0000', '\u001f', '\u007f', '\u0085', '\u009f', 'A', 'z', 'Ü', 'İ', 'ß', 'Σ', '😀', '\ud800', '\udfff', ' ', "'", '~');
const awkwardString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(awkwardChar, { maxLength: 60 }).map((parts) => parts.join('')),
  fc.string({ unit: fc.oneof(awkwardChar, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 80 }),
);

describe('encodeKey / decodeKey', () => {
  it('round-trips every string to its lower-cased form', () => {
    fc.assert(
      fc.property(awkwardString, (value) => {
        assert.equal(decodeKey(encodeKey(value)), value.toLowerCase());
      }),
      { numRuns: 2000 },
    );
  });

  it('never emits a character the Table service forbids in keys, nor a lone surrogate', () => {
    fc.assert(
      fc.property(awkwardString, (value) => {
        const key = encodeKey(value);
        assert.doesNotMatch(key, FORBIDDEN);
        assert.doesNotMatch(key, LONE_SURROGATE);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same key for ids that differ only in letter case, and different keys otherwise', () => {
    const caseFlipped = awkwardString.chain((value) =>
      fc.array(fc.boolean(), { minLength: value.length, maxLength: value.length }).map((flips) => ({
        value,
        flipped: [...value].map((ch, i) => (flips[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''),
      })),
    );
    fc.assert(
      fc.property(caseFlipped, ({ value, flipped }) => {
        // Upper-casing can change a string beyond case (ß → SS), so compare what lower-casing makes of both.
        assert.equal(encodeKey(value) === encodeKey(flipped), value.toLowerCase() === flipped.toLowerCase());
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(awkwardString, awkwardString, (a, b) => {
        assert.equal(encodeKey(a) === encodeKey(b), a.toLowerCase() === b.toLowerCase());
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps resource ids readable: slashes become bars, nothing else changes', () => {
    const id = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-01';
    assert.equal(encodeKey(id), '|subscriptions|00000000-0000-0000-0000-000000000000|resourcegroups|rg-prod|providers|microsoft.containerservice|managedclusters|aks-01');
  });

  it('escapes the escape characters themselves, so a literal "|" or "%2F" is not mistaken for an escape', () => {
    assert.equal(encodeKey('a|b'), 'a%7Cb');
    assert.equal(encodeKey('%2F'), '%252f');
    assert.equal(encodeKey('a#b?c\\d'), 'a%23b%3Fc%5Cd');
    assert.notEqual(encodeKey('a/b'), encodeKey('a|b'));
  });

  it('refuses strings encodeKey cannot have produced, naming the problem', () => {
    assert.throws(() => decodeKey('a/b'), /forbidden character U\+002f/);
    assert.throws(() => decodeKey('%zz'), /bad escape "%zz"/);
    assert.throws(() => decodeKey('%4'), /bad escape/);
    assert.throws(() => decodeKey('%41'), /canonical/);
    assert.throws(() => decodeKey('ABC'), /canonical/);
    assert.throws(() => decodeKey('%u0041'), /bad escape/);
  });
});

describe('tableKey / clusterKey / lookupKey', () => {
  it('rejects empty and too-long values with the value named', () => {
    assert.throws(() => tableKey('', 'sweepId'), /sweepId must not be empty/);
    assert.throws(() => clusterKey('/'.repeat(MAX_KEY_LENGTH + 1)), /clusterId is too long to be a table key \(513 characters/);
    assert.equal(clusterKey('x'.repeat(MAX_KEY_LENGTH)).length, MAX_KEY_LENGTH);
    // Escapes count: 200 '#' become 600 characters.
    assert.throws(() => tableKey('#'.repeat(200), 'ruleId'), /600 characters once encoded/);
  });

  it('hashes ids too long to be keys, case-insensitively, without colliding with encoded ids', () => {
    const long = 'Event-'.repeat(200);
    const key = lookupKey(long, 'eventId');
    assert.match(key, /^%sha256-[0-9a-f]{64}$/);
    assert.equal(lookupKey(long.toUpperCase(), 'eventId'), key);
    assert.notEqual(lookupKey(`${long}x`, 'eventId'), key);
    assert.equal(lookupKey('Short-Id', 'eventId'), 'short-id');
    assert.throws(() => lookupKey('', 'eventId'), /eventId must not be empty/);
    fc.assert(
      fc.property(awkwardString, (value) => {
        fc.pre(value.length > 0);
        const k = lookupKey(value, 'eventId');
        assert.ok(k.length <= MAX_KEY_LENGTH);
        assert.doesNotMatch(k, FORBIDDEN);
      }),
    );
  });
});

describe('ordering helpers', () => {
  it('invertedTime sorts later times first, at a fixed width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999_999_999 }), fc.integer({ min: 0, max: 9_999_999_999_999 }), (a, b) => {
        const ka = invertedTime(new Date(a));
        const kb = invertedTime(new Date(b));
        assert.equal(ka.length, 13);
        assert.equal(ka < kb, a > b);
      }),
    );
    assert.throws(() => invertedTime(new Date(Number.NaN)), /time out of range/);
  });

  it('invertedCounter sorts larger counters first and refuses what does not fit', () => {
    assert.ok(invertedCounter(10, 4) < invertedCounter(9, 4));
    assert.equal(invertedCounter(0, 3), '999');
    assert.throws(() => invertedCounter(1000, 3), /does not fit in 3 digits/);
  });

  it('prefixEnd bounds exactly the strings that start with the prefix', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), (prefix, suffix, other) => {
        const end = prefixEnd(`${prefix}|`);
        const inside = `${prefix}|${suffix}`;
        assert.ok(inside >= `${prefix}|` && inside < end);
        if (!other.startsWith(`${prefix}|`)) assert.ok(other < `${prefix}|` || other >= end);
      }),
    );
  });
});
