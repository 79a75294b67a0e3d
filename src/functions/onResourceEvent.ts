// Event Grid (system topic of a subscription, Event Grid schema or CloudEvents): a cluster or extension changed.
// Decide, dedupe, coalesce and enqueue; the worker does the rest. A throw makes Event Grid redeliver.
import { app, type EventGridFunctionOptions, type InvocationContext } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';
import type { IntakeResult } from '../pipeline/intake.js';

export async function onResourceEvent(event: unknown, context: InvocationContext): Promise<IntakeResult> {
  // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
  const [{ getServices }, { takeResourceEvent }] = await Promise.all([import('../container.js'), import('../pipeline/intake.js')]);
  return takeResourceEvent(await getServices(), event, context);
}

export const onResourceEventOptions: EventGridFunctionOptions<unknown> = { handler: onResourceEvent };

app.eventGrid(FUNCTION_NAMES.onResourceEvent, onResourceEventOptions);
