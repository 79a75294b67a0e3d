// The benchmarks by name, with how each turns the command-line overrides into its options.
// Each benchmark's module is imported only when it runs: the cold start benchmark must not pay for the others.
import { instanceHeapFlags, SMALLEST_FLEX_INSTANCE_MB } from './support/instance-heap.js';
import type { Overrides } from './support/options.js';

export interface Bench {
  description: string;
  run(overrides: Overrides): Promise<unknown>;
  /** Node flags for the benchmark's process, when it measures memory as an instance would see it. */
  nodeFlags?(overrides: Overrides): string[];
}

function defined<T extends object>(values: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export const BENCHES = {
  reaction: {
    description: 'isolated changes at 5 and 50 per second, quiet and during a 2,000-cluster sweep: event -> state row, end to end and in-process',
    run: async (o) => {
      const { runReactionBench, REACTION_FULL, REACTION_QUICK } = await import('./reaction.js');
      return runReactionBench({ ...(o.quick ? REACTION_QUICK : REACTION_FULL), ...defined({ instances: o.instances, clusters: o.clusters, fastRate: o.rate, coalesceWindowSeconds: o.window, lanePriority: o.lanePriority }) });
    },
  },
  sweep: {
    description: 'fleet sweep through the queue and worker, against ARM throttling: wall time / throttle lower bound',
    run: async (o) => {
      const { runSweepBench, SWEEP_FULL, SWEEP_QUICK } = await import('./sweep.js');
      return runSweepBench({
        ...(o.quick ? SWEEP_QUICK : SWEEP_FULL),
        ...defined({ clusters: o.clusters, subscriptions: o.subscriptions, throttleFactor: o.throttleFactor, instances: o.instances, caFileTls: o.caFileTls }),
      });
    },
    nodeFlags: (o) => instanceHeapFlags(o.instanceMb ?? SMALLEST_FLEX_INSTANCE_MB),
  },
  latency: {
    description: 'events at a steady rate: onResourceEvent -> the events lane -> evaluateChangedCluster -> state row, p50/p95/p99 in-process',
    run: async (o) => {
      const { runLatencyBench, LATENCY_FULL, LATENCY_QUICK } = await import('./latency.js');
      return runLatencyBench({ ...(o.quick ? LATENCY_QUICK : LATENCY_FULL), ...defined({ events: o.events, rate: o.rate, instances: o.instances, coalesceWindowSeconds: o.window }) });
    },
  },
  burst: {
    description: 'a shuffled storm of events with duplicates: evaluations and ARM reads per cluster',
    run: async (o) => {
      const { runBurstBench, BURST_FULL, BURST_QUICK } = await import('./burst.js');
      return runBurstBench({
        ...(o.quick ? BURST_QUICK : BURST_FULL),
        ...defined({ events: o.events, clusters: o.clusters, concurrency: o.concurrency, instances: o.instances, coalesceWindowSeconds: o.window }),
      });
    },
  },
  coldstart: {
    description: 'fresh Node process importing the function entry modules; deployment package size',
    run: async (o) => {
      const { runColdStartBench, COLDSTART_FULL, COLDSTART_QUICK } = await import('./coldstart.js');
      return runColdStartBench({ ...(o.quick ? COLDSTART_QUICK : COLDSTART_FULL), ...defined({ runs: o.runs }) });
    },
  },
} satisfies Record<string, Bench>;

export type BenchName = keyof typeof BENCHES;

export function isBenchName(name: string): name is BenchName {
  return Object.hasOwn(BENCHES, name);
}
