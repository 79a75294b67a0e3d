// The ARM emulator in a process of its own, for benchmarks: started with EmulatorOptions as JSON (argv[2]), it
// prints ARM_ENDPOINT / ARM_CA_FILE / ARM_TOKEN / ARM_SUBSCRIPTION_IDS like emulator/main.ts, and answers
// 'counts' messages over IPC with what it served. Unlike `npm run emulator` it takes any fleet option (drift
// mix included). It exits when its parent goes away (stdin closes), so no emulator outlives a run.
import { startEmulator, type EmulatorOptions } from '../../emulator/index.js';

export interface EmulatorCounts {
  total: { reads: number; writes: number; deletes: number; throttled: number };
  bySubscription: Record<string, { reads: number; writes: number; deletes: number; throttled: number }>;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as EmulatorOptions;
  const emulator = await startEmulator(options);
  process.stdout.write(
    `ARM_ENDPOINT=${emulator.endpoint}\nARM_CA_FILE=${emulator.caFile}\nARM_TOKEN=${emulator.token}\nARM_SUBSCRIPTION_IDS=${emulator.state.subscriptions().join(',')}\n`,
  );
  process.on('message', (message) => {
    if (message !== 'counts') return;
    const counts: EmulatorCounts = {
      total: { ...emulator.state.requests },
      bySubscription: Object.fromEntries([...emulator.state.requestsBySubscription].map(([id, value]) => [id, { ...value }])),
    };
    process.send?.(counts);
  });
  const stop = (): void => {
    void emulator.stop().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
