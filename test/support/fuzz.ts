// Shared pieces of the fuzz tests of the edge parsers (issue 17): seeded, bounded runs so `npm test` stays quick and a
// failure replays; arbitrary JSON with the values that once slipped through; and mutations of a valid document.
import { expect } from '@jest/globals';
import fc from 'fast-check';

/** Every fuzz property runs this many cases from this seed (fast-check prints the seed and path of a failure). */
export const FUZZ = { seed: 17, numRuns: 150 } as const;

type Json = unknown;

/** Values of every JSON type, weighted towards the wrong-type ones issue 17 found (true, "enabled", [], 1, {}). */
export const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(true, false, 'enabled', 'SystemAssigned', '', [], 1, 0, -1, {}, null, '..', 'x'.repeat(300)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Strings that names and ids are made of, odd characters included. */
export const oddText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('..', '.', 'a?b', 'a#b', 'a\u0000b', 'a\nb', 'a b', 'a\u202Eb', '-a', 'a-', 'a.', 'c'.repeat(64), 'c'.repeat(5000), '%2e%2e', 'ü'),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Every path to a value inside `document`: ['properties', 'podIdentityProfile', 'enabled'], ['tags'], ... */
function pathsOf(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(value)) value.forEach((item, index) => (out.push([...prefix, index]), pathsOf(item, [...prefix, index], out)));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      out.push([...prefix, key]);
      pathsOf(item, [...prefix, key], out);
    }
  }
  return out;
}

/** A copy of `document` with the value at `path` replaced (or removed, when `replacement` is undefined). */
function withValueAt(document: Json, path: (string | number)[], replacement: unknown): Json {
  const copy = structuredClone(document) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}

const REMOVE = Symbol('remove');

/** `document` with one to three of its values replaced by odd values or removed. */
export function mutationsOf(document: Json): fc.Arbitrary<Json> {
  const step = (current: Json): fc.Arbitrary<Json> => {
    const paths = pathsOf(current);
    if (paths.length === 0) return fc.constant(current);
    return fc
      .tuple(fc.nat({ max: paths.length - 1 }), fc.oneof({ arbitrary: fc.constant(REMOVE), weight: 1 }, { arbitrary: oddValue, weight: 5 }))
      .map(([index, value]) => withValueAt(current, paths[index] ?? [], value === REMOVE ? undefined : value));
  };
  return step(document).chain((once) => fc.oneof(fc.constant(once), step(once).chain((twice) => fc.oneof(fc.constant(twice), step(twice)))));
}

/** `text` with a few characters inserted, deleted or replaced (what a bad copy-paste or a truncated upload does). */
export function textMutationsOf(text: string): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat({ max: Math.max(text.length - 1, 0) }), fc.nat({ max: 5 }), fc.string({ maxLength: 4 }));
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => edits.reduce((current, [at, remove, insert]) => current.slice(0, at) + insert + current.slice(at + remove), text));
}

/** Runs `work` and returns what it threw, or undefined. */
export function thrownBy(work: () => unknown): unknown {
  try {
    work();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Awaits `work` and returns what it rejected with, or undefined. */
export async function rejectionOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Passes when `error` is undefined (nothing thrown) or of the typed validation error; shows any other error whole. */
export function expectNoneOr(error: unknown, type: abstract new (...args: never[]) => Error): void {
  expect(error === undefined || error instanceof type ? undefined : error).toBeUndefined();
}
