// The scheduled fleet sweep (NCRONTAB from the SWEEP_SCHEDULE app setting). After downtime the host calls it
// once with isPastDue set, not once per missed tick: one catch-up run. A sweep lists the fleet and fans it out to the
// evaluation queue (src/pipeline/sweep.ts); the CLI's `scan` walks the fleet the same way but evaluates each cluster
// itself, from a terminal.
import { app, type InvocationContext, type Timer, type TimerFunctionOptions } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';
import type { SweepResult } from '../pipeline/sweep.js';

export async function sweep(timer: Timer, context: InvocationContext): Promise<SweepResult> {
  if (timer.isPastDue) context.warn('the sweep is running late (past due); running one catch-up sweep now');
  // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
  const [{ getServices }, { runSweep }] = await Promise.all([import('../container.js'), import('../pipeline/sweep.js')]);
  return runSweep(await getServices(), { trigger: 'timer', log: context });
}

export const sweepOptions: TimerFunctionOptions = { schedule: '%SWEEP_SCHEDULE%', runOnStartup: false, useMonitor: true, handler: sweep };

app.timer(FUNCTION_NAMES.sweep, sweepOptions);
