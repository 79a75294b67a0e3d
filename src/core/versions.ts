// Kubernetes and extension versions, ordered as SemVer 2.0.0 (the `semver` package): numerically part by part
// (1.9.6 < 1.27.0), a pre-release below its release and pre-release identifiers compared field by field, numbers as
// numbers (1.14.4-msft.9 < 1.14.4-msft.10 < 1.14.4: Dapr's AKS versions look like this). Short Kubernetes versions are
// filled in with zeros first (1.27 == 1.27.0). Build metadata has no precedence in SemVer; it only tells two versions
// of equal precedence apart (1.2.3+b1 != 1.2.3+b2), so a pin on one build is not met by another.
import { SemVer } from 'semver';

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?((?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)?$/i;
/** The old reading, kept for versions whose suffix SemVer refuses (`1.2.3-`): the numbers only. */
const NUMBERS_ONLY = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/i;

/** The version as SemVer, filling a missing minor or patch with 0; undefined when it is not a version. */
function toSemVer(text: string): SemVer | undefined {
  const trimmed = text.trim();
  const match = VERSION.exec(trimmed) ?? NUMBERS_ONLY.exec(trimmed);
  if (!match) return undefined;
  const numbers = `${match[1]}.${match[2] ?? 0}.${match[3] ?? 0}`;
  return semVerOf(`${numbers}${match[4] ?? ''}`) ?? semVerOf(numbers);
}

/** SemVer refuses some suffixes (`-01`: a leading zero) and numbers past 2^53; then this is undefined. */
function semVerOf(text: string): SemVer | undefined {
  try {
    return new SemVer(text);
  } catch {
    return undefined;
  }
}

/** Parses `1.27`, `1.27.3`, `v1.27.3-preview` into [major, minor, patch]; undefined when it is not a version. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const version = toSemVer(text);
  return version ? [version.major, version.minor, version.patch] : undefined;
}

/** Negative when a < b, 0 when equal, positive when a > b (SemVer order, then build). Throws when either is not a version. */
export function compareVersions(a: string, b: string): number {
  const left = toSemVer(a);
  const right = toSemVer(b);
  if (!left) throw new Error(`"${a}" is not a version`);
  if (!right) throw new Error(`"${b}" is not a version`);
  return left.compare(right) || left.compareBuild(right);
}

/** Same version: by SemVer (with build) when both parse, otherwise as case-insensitive text. */
export function sameVersion(a: string, b: string): boolean {
  if (parseVersion(a) && parseVersion(b)) return compareVersions(a, b) === 0;
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
