// Number and time formatting shared by the HTML and the numbers the tests compare against.

/** "850 ms", "12.4 s", "3 min 05 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

/** A moment in the run, as seconds since it started: "48.1 s", so rows line up and compare at a glance. */
export function formatOffset(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list; undefined for an empty one. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '0%';
  return `${Math.round((part / whole) * 100)}%`;
}

/** 12345 → "12,345" regardless of the machine's locale, so reports are byte-stable. */
export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** An ISO time as people read it, in UTC, to the second: "2026-01-05 12:00:03Z". */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A chart label for the end of a bucket: as precise as the bucket width needs, in UTC. */
export function formatBucketLabel(iso: string, bucketMs: number): string {
  const text = new Date(Date.parse(iso)).toISOString();
  if (bucketMs < 60_000) return text.slice(11, 19);
  if (bucketMs < 86_400_000) return `${text.slice(5, 10)} ${text.slice(11, 16)}`;
  return text.slice(0, 10);
}

/** A window's length in words: "30 days", "12 hours", "90 seconds". */
export function formatSpan(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size) {
      const n = Math.round((ms / size) * 10) / 10;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return formatDuration(ms);
}
