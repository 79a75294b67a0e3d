// Kubernetes and extension versions compare numerically part by part: 1.9.6 < 1.27.0, and 1.27 == 1.27.0.

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/i;

/** Parses `1.27`, `1.27.3`, `v1.27.3-preview` into [major, minor, patch]; undefined when it is not a version. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const match = VERSION.exec(text.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

/** Negative when a < b, 0 when equal, positive when a > b. Throws when either is not a version. */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (!left) throw new Error(`"${a}" is not a version`);
  if (!right) throw new Error(`"${b}" is not a version`);
  for (let i = 0; i < 3; i += 1) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Same version: numerically when both parse, otherwise as case-insensitive text. */
export function sameVersion(a: string, b: string): boolean {
  if (parseVersion(a) && parseVersion(b)) return compareVersions(a, b) === 0;
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
