// Table keys may not contain / \ # ? or control characters, and may be at most 1 KiB (512 UTF-16 units).
// Resource ids are full of slashes and compare case-insensitively, so a key is the lower-cased id with
// '/' written as '|' (keeps keys readable) and every other forbidden character, plus '|' and the escape
// character '%' themselves, written as %XX. Because '|' and '%' never survive unescaped, decoding is exact.

import { createHash } from 'node:crypto';

/** Longest key the Table service accepts, in UTF-16 code units. */
export const MAX_KEY_LENGTH = 512;

const HEX = '0123456789ABCDEF';

function isForbiddenCode(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** `|` (it stands for `/`), `%` (it starts an escape), the characters the service forbids in keys, and controls. */
function isEscapedCode(code: number): boolean {
  return code === 0x7c || code === 0x25 || code === 0x5c || code === 0x23 || code === 0x3f || isForbiddenCode(code);
}

function hex2(code: number): string {
  return `%${HEX[code >> 4]}${HEX[code & 0xf]}`;
}

/** Lower-cases `value` and escapes it into a valid Table key. Total: any string encodes (length is checked by `tableKey`). */
export function encodeKey(value: string): string {
  const lower = value.toLowerCase();
  // Resource ids almost never hold anything to escape: one scan and one replace instead of a string per character.
  if (!needsEscaping(lower)) return lower.replaceAll('/', '|');
  let out = '';
  for (let i = 0; i < lower.length; i++) {
    const code = lower.charCodeAt(i);
    if (code === 0x2f) out += '|';
    else if (isEscapedCode(code)) out += hex2(code);
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < lower.length && isLowSurrogate(lower.charCodeAt(i + 1))) {
      out += lower.slice(i, i + 2);
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      // A lone surrogate is not valid UTF-16 and would be mangled on the wire.
      out += `%u${code.toString(16).toUpperCase()}`;
    } else out += lower[i];
  }
  return out;
}

/** Whether `value` holds a character `encodeKey` escapes, or a surrogate it has to look at twice. */
function needsEscaping(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (isEscapedCode(code) || (code >= 0xd800 && code <= 0xdfff)) return true;
  }
  return false;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Inverse of `encodeKey` (gives back the lower-cased value). Throws on anything `encodeKey` cannot produce. */
export function decodeKey(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key[i] ?? '';
    const code = key.charCodeAt(i);
    if (ch === '|') out += '/';
    else if (ch === '%') {
      if (key[i + 1] === 'u') {
        const digits = key.slice(i + 2, i + 6);
        if (!/^D[89A-F][0-9A-F]{2}$/.test(digits)) throw new RangeError(`not an encoded key: bad escape "%u${digits}" at ${i} in "${key}"`);
        out += String.fromCharCode(parseInt(digits, 16));
        i += 5;
      } else {
        const digits = key.slice(i + 1, i + 3);
        if (!/^[0-9A-F]{2}$/.test(digits)) throw new RangeError(`not an encoded key: bad escape "%${digits}" at ${i} in "${key}"`);
        out += String.fromCharCode(parseInt(digits, 16));
        i += 2;
      }
    } else if (code === 0x2f || code === 0x5c || code === 0x23 || code === 0x3f || isForbiddenCode(code)) {
      throw new RangeError(`not an encoded key: forbidden character U+${code.toString(16).padStart(4, '0')} at ${i}`);
    } else out += ch;
  }
  // Only canonical keys decode: "%41" or an upper-case letter would decode, but encodeKey never writes them.
  if (encodeKey(out) !== key) throw new RangeError(`not an encoded key: "${key}" is not in canonical form`);
  return out;
}

/** `encodeKey`, refusing empty values and keys the service would reject as too long. `what` names the value in the error. */
export function tableKey(value: string, what: string): string {
  if (value.length === 0) throw new RangeError(`${what} must not be empty`);
  const key = encodeKey(value);
  if (key.length > MAX_KEY_LENGTH) {
    throw new RangeError(`${what} is too long to be a table key (${key.length} characters once encoded, at most ${MAX_KEY_LENGTH}): "${value.slice(0, 80)}..."`);
  }
  return key;
}

/** The partition key of everything stored per cluster. Any string works; the same id in any casing gives the same key. */
export function clusterKey(clusterId: string): string {
  return tableKey(clusterId, 'clusterId');
}

/**
 * A key for ids we only look up and never read back (event ids): `encodeKey` when it fits in `maxLength`, else a
 * SHA-256 of the lower-cased id. "%s" never occurs in an encoded key, so the two forms cannot collide.
 */
export function lookupKey(value: string, what: string, maxLength: number = MAX_KEY_LENGTH): string {
  if (value.length === 0) throw new RangeError(`${what} must not be empty`);
  const key = encodeKey(value);
  if (key.length <= maxLength) return key;
  return `%sha256-${createHash('sha256').update(value.toLowerCase(), 'utf8').digest('hex')}`;
}

const MAX_TIME_MS = 9_999_999_999_999;

/** 13 digits that sort newest first: row keys made of it list in reverse time order. */
export function invertedTime(at: Date): string {
  const ms = at.getTime();
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIME_MS) throw new RangeError(`time out of range for a row key: ${String(at)}`);
  return String(MAX_TIME_MS - ms).padStart(13, '0');
}

/** Zero-padded `max - n`, so that larger counters sort first. */
export function invertedCounter(n: number, digits: number): string {
  const max = 10 ** digits - 1;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`counter ${n} does not fit in ${digits} digits`);
  return String(max - n).padStart(digits, '0');
}

/** The smallest string greater than every string starting with `prefix`: for `ge prefix and lt end` range filters. */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
