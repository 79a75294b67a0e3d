import { describe, expect, test } from '@jest/globals';
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
  test('round-trips every string to its lower-cased form', () => {
    fc.assert(
      fc.property(awkwardString, (value) => {
        expect(decodeKey(encodeKey(value))).toBe(value.toLowerCase());
      }),
      { numRuns: 2000 },
    );
  });

  test('never emits a character the Table service forbids in keys, nor a lone surrogate', () => {
    fc.assert(
      fc.property(awkwardString, (value) => {
        const key = encodeKey(value);
        expect(key).not.toMatch(FORBIDDEN);
        expect(key).not.toMatch(LONE_SURROGATE);
      }),
      { numRuns: 2000 },
    );
  });

  test('gives the same key for ids that differ only in letter case, and different keys otherwise', () => {
    const caseFlipped = awkwardString.chain((value) =>
      fc.array(fc.boolean(), { minLength: value.length, maxLength: value.length }).map((flips) => ({
        value,
        flipped: [...value].map((ch, i) => (flips[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''),
      })),
    );
    fc.assert(
      fc.property(caseFlipped, ({ value, flipped }) => {
        // Upper-casing can change a string beyond case (ß → SS), so compare what lower-casing makes of both.
        expect(encodeKey(value) === encodeKey(flipped)).toBe(value.toLowerCase() === flipped.toLowerCase());
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(awkwardString, awkwardString, (a, b) => {
        expect(encodeKey(a) === encodeKey(b)).toBe(a.toLowerCase() === b.toLowerCase());
      }),
      { numRuns: 2000 },
    );
  });

  test('keeps resource ids readable: slashes become bars, nothing else changes', () => {
    const id = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-01';

    expect(encodeKey(id)).toBe('|subscriptions|00000000-0000-0000-0000-000000000000|resourcegroups|rg-prod|providers|microsoft.containerservice|managedclusters|aks-01');
  });

  test('escapes the escape characters themselves, so a literal "|" or "%2F" is not mistaken for an escape', () => {
    expect(encodeKey('a|b')).toBe('a%7Cb');
    expect(encodeKey('%2F')).toBe('%252f');
    expect(encodeKey('a#b?c\\d')).toBe('a%23b%3Fc%5Cd');
    expect(encodeKey('a/b')).not.toBe(encodeKey('a|b'));
  });

  test('refuses strings encodeKey cannot have produced, naming the problem', () => {
    expect(() => decodeKey('a/b')).toThrow(/forbidden character U\+002f/);
    expect(() => decodeKey('%zz')).toThrow(/bad escape "%zz"/);
    expect(() => decodeKey('%4')).toThrow(/bad escape/);
    expect(() => decodeKey('%41')).toThrow(/canonical/);
    expect(() => decodeKey('ABC')).toThrow(/canonical/);
    expect(() => decodeKey('%u0041')).toThrow(/bad escape/);
  });
});

describe('tableKey / clusterKey / lookupKey', () => {
  test('rejects empty and too-long values with the value named', () => {
    expect(() => tableKey('', 'sweepId')).toThrow(/sweepId must not be empty/);
    expect(() => clusterKey('/'.repeat(MAX_KEY_LENGTH + 1))).toThrow(/clusterId is too long to be a table key \(513 characters/);
    expect(clusterKey('x'.repeat(MAX_KEY_LENGTH))).toHaveLength(MAX_KEY_LENGTH);
    // Escapes count: 200 '#' become 600 characters.
    expect(() => tableKey('#'.repeat(200), 'ruleId')).toThrow(/600 characters once encoded/);
  });

  test('hashes ids too long to be keys, case-insensitively, without colliding with encoded ids', () => {
    const long = 'Event-'.repeat(200);

    const key = lookupKey(long, 'eventId');

    expect(key).toMatch(/^%sha256-[0-9a-f]{64}$/);
    expect(lookupKey(long.toUpperCase(), 'eventId')).toBe(key);
    expect(lookupKey(`${long}x`, 'eventId')).not.toBe(key);
    expect(lookupKey('Short-Id', 'eventId')).toBe('short-id');
    expect(() => lookupKey('', 'eventId')).toThrow(/eventId must not be empty/);
    fc.assert(
      fc.property(awkwardString, (value) => {
        fc.pre(value.length > 0);
        const k = lookupKey(value, 'eventId');
        expect(k.length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
        expect(k).not.toMatch(FORBIDDEN);
      }),
    );
  });
});

describe('ordering helpers', () => {
  test('invertedTime sorts later times first, at a fixed width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999_999_999 }), fc.integer({ min: 0, max: 9_999_999_999_999 }), (a, b) => {
        const ka = invertedTime(new Date(a));
        const kb = invertedTime(new Date(b));
        expect(ka).toHaveLength(13);
        expect(ka < kb).toBe(a > b);
      }),
    );
    expect(() => invertedTime(new Date(Number.NaN))).toThrow(/time out of range/);
  });

  test('invertedCounter sorts larger counters first and refuses what does not fit', () => {
    expect(invertedCounter(10, 4) < invertedCounter(9, 4)).toBe(true);
    expect(invertedCounter(0, 3)).toBe('999');
    expect(() => invertedCounter(1000, 3)).toThrow(/does not fit in 3 digits/);
  });

  test('prefixEnd bounds exactly the strings that start with the prefix', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), (prefix, suffix, other) => {
        const end = prefixEnd(`${prefix}|`);
        const inside = `${prefix}|${suffix}`;
        expect(inside >= `${prefix}|` && inside < end).toBe(true);
        // A string without the prefix falls outside the bounds.
        expect(other.startsWith(`${prefix}|`) || other < `${prefix}|` || other >= end).toBe(true);
      }),
    );
  });
});
