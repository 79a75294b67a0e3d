// Events first on an instance that runs both lanes: while event evaluations run (or ran within the quiet window), sweep
// evaluations start one at a time; once the events lane is quiet, every waiting one starts.
import { describe, expect, test } from '@jest/globals';
import { LanePriority } from '../../../src/pipeline/lane-priority.js';

/** Work that ends when the test says so, and notes when it started. */
class Gate {
  started = false;
  private release!: () => void;
  readonly done = new Promise<void>((resolve) => (this.release = resolve));
  run = async (): Promise<string> => {
    this.started = true;
    await this.done;
    return 'ran';
  };
  open(): void {
    this.release();
  }
}

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('LanePriority', () => {
  test('with the events lane quiet, sweep evaluations run side by side', async () => {
    const lanes = new LanePriority({ sweepSlotsWhileEventsBusy: 1, eventsQuietAfterMs: 50 });
    const gates = [new Gate(), new Gate(), new Gate()];
    const runs = gates.map((gate) => lanes.sweep(gate.run));
    await tick();
    expect(gates.map((gate) => gate.started)).toEqual([true, true, true]);
    gates.forEach((gate) => gate.open());
    await expect(Promise.all(runs)).resolves.toEqual(['ran', 'ran', 'ran']);
  });

  test('while an event runs, sweep evaluations start one at a time, and all start once the lane has been quiet for the window', async () => {
    const lanes = new LanePriority({ sweepSlotsWhileEventsBusy: 1, eventsQuietAfterMs: 80 });
    const event = new Gate();
    const eventRun = lanes.event(event.run);
    const sweeps = [new Gate(), new Gate(), new Gate()];
    const runs = sweeps.map((gate) => lanes.sweep(gate.run));
    await tick();
    expect(event.started).toBe(true);
    expect(sweeps.map((gate) => gate.started)).toEqual([true, false, false]);
    expect(lanes.sweepLoad).toEqual({ running: 1, waiting: 2 });

    // The first sweep ends while the event still runs: exactly one more starts.
    sweeps[0]!.open();
    await tick();
    expect(sweeps.map((gate) => gate.started)).toEqual([true, true, false]);

    // The event ends: within the quiet window nothing more starts; after it, the rest does.
    event.open();
    await eventRun;
    await tick(20);
    expect(sweeps[2]!.started).toBe(false);
    await tick(120);
    expect(sweeps[2]!.started).toBe(true);
    expect(lanes.sweepLoad.waiting).toBe(0);
    sweeps.forEach((gate) => gate.open());
    await expect(Promise.all(runs)).resolves.toEqual(['ran', 'ran', 'ran']);
  });

  test('an event never waits for sweep evaluations', async () => {
    const lanes = new LanePriority({ sweepSlotsWhileEventsBusy: 1, eventsQuietAfterMs: 50 });
    const sweeps = [new Gate(), new Gate()];
    const runs = sweeps.map((gate) => lanes.sweep(gate.run));
    const event = new Gate();
    const eventRun = lanes.event(event.run);
    await tick();
    expect(event.started).toBe(true);
    event.open();
    await expect(eventRun).resolves.toBe('ran');
    sweeps.forEach((gate) => gate.open());
    await Promise.all(runs);
  });

  test('a sweep that arrives in the quiet window after an event waits for the window, then starts with the others', async () => {
    const lanes = new LanePriority({ sweepSlotsWhileEventsBusy: 1, eventsQuietAfterMs: 60 });
    await lanes.event(async () => undefined);
    const sweeps = [new Gate(), new Gate()];
    const runs = sweeps.map((gate) => lanes.sweep(gate.run));
    await tick();
    expect(sweeps.map((gate) => gate.started)).toEqual([true, false]);
    await tick(100);
    expect(sweeps.map((gate) => gate.started)).toEqual([true, true]);
    sweeps.forEach((gate) => gate.open());
    await Promise.all(runs);
  });

  test('a failed evaluation frees its slot and its error reaches the caller', async () => {
    const lanes = new LanePriority({ sweepSlotsWhileEventsBusy: 1, eventsQuietAfterMs: 1_000 });
    const event = new Gate();
    const eventRun = lanes.event(event.run);
    const failing = lanes.sweep(() => Promise.reject(new Error('ARM said 500')));
    const next = new Gate();
    const nextRun = lanes.sweep(next.run);
    await expect(failing).rejects.toThrow('ARM said 500');
    await tick();
    expect(next.started).toBe(true);
    next.open();
    event.open();
    await Promise.all([eventRun, nextRun]);
  });

  test('options are checked', () => {
    expect(() => new LanePriority({ sweepSlotsWhileEventsBusy: 0, eventsQuietAfterMs: 10 })).toThrow(/sweepSlotsWhileEventsBusy/);
    expect(() => new LanePriority({ sweepSlotsWhileEventsBusy: 1, eventsQuietAfterMs: -1 })).toThrow(/eventsQuietAfterMs/);
  });
});
