// The scheduled fleet sweep (NCRONTAB from the SWEEP_SCHEDULE app setting). After downtime the host calls it
// once with isPastDue set, not once per missed tick: one catch-up run. A sweep lists the fleet and fans it out to the
// evaluation queue (src/pipeline/sweep.ts); the CLI's `scan` walks the fleet the same way but evaluates each cluster
// itself, from a terminal.
import { app, type InvocationContext, type Timer, type TimerFunctionOptions } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';
import { getServices } from '../container.js';
import { runSweep, type SweepResult } from '../pipeline/sweep.js';

export async function sweep(timer: Timer, context: InvocationContext): Promise<SweepResult> {
  if (timer.isPastDue) context.warn('the sweep is running late (past due); running one catch-up sweep now');
  return runSweep(await getServices(), { trigger: 'timer', log: context });
}

export const sweepOptions: TimerFunctionOptions = { schedule: '%SWEEP_SCHEDULE%', runOnStartup: false, useMonitor: true, handler: sweep };

app.timer(FUNCTION_NAMES.sweep, sweepOptions);
