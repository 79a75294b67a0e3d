// The heap V8 gives itself on each Flex Consumption instance size, as Node flags for a benchmark's process.

/**
 * Node sizes V8's heap from the memory its cgroup allows (uv_get_constrained_memory), and V8 splits it into an old
 * space and a young generation whose semi-spaces grow with it. Read off Node 22 started in a cgroup with each memory
 * limit (v8.getHeapStatistics: 259, 1,048 and 2,096 MB of heap limit); the flags give the same limits on a machine
 * without that cgroup. Whether the worker on Flex runs under its instance's limit is not public
 * (docs/performance.md), so the sweep is measured at the smallest size, where a limit binds soonest.
 */
export const FLEX_INSTANCE_HEAPS = {
  512: { oldSpaceMb: 256, semiSpaceMb: 1 },
  2048: { oldSpaceMb: 1024, semiSpaceMb: 8 },
  4096: { oldSpaceMb: 2048, semiSpaceMb: 16 },
} as const;

export type FlexInstanceMemoryMb = keyof typeof FLEX_INSTANCE_HEAPS;

export const SMALLEST_FLEX_INSTANCE_MB: FlexInstanceMemoryMb = 512;

export function isFlexInstanceMemoryMb(value: number): value is FlexInstanceMemoryMb {
  return Object.hasOwn(FLEX_INSTANCE_HEAPS, value);
}

export function instanceHeapFlags(memoryMb: FlexInstanceMemoryMb): string[] {
  const heap = FLEX_INSTANCE_HEAPS[memoryMb];
  return [`--max-old-space-size=${heap.oldSpaceMb}`, `--max-semi-space-size=${heap.semiSpaceMb}`];
}
