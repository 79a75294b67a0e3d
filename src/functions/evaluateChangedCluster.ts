// The events lane's queue worker: a cluster someone changed (the intake's message, or the follow-up after a burst),
// the continuations of those, and the remediate route's. The same worker as evaluateCluster on its own queue, so on
// Flex Consumption it scales in its own group and a sweep's backlog never stands in front of a reaction.
// Thrown errors are retried by the host and end in the poison queue after maxDequeueCount (host.json).
import { app, type InvocationContext, type StorageQueueFunctionOptions } from '@azure/functions';
import { FUNCTION_NAMES, QUEUE_NAMES } from '../names.js';
import type { WorkerOutcome } from '../pipeline/worker.js';

export async function evaluateChangedCluster(message: unknown, context: InvocationContext): Promise<WorkerOutcome> {
  try {
    // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
    const [{ getServices }, { processEvaluationMessage }] = await Promise.all([import('../container.js'), import('../pipeline/worker.js')]);
    return await processEvaluationMessage(await getServices(), message, { invocationId: context.invocationId, log: context, lane: 'events' });
  } catch (error) {
    const dequeueCount = context.triggerMetadata?.dequeueCount;
    const delivery = typeof dequeueCount === 'number' ? `delivery ${dequeueCount}` : 'delivery ?';
    context.error(`evaluation failed (${delivery}): ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    throw error;
  }
}

export const evaluateChangedClusterOptions: StorageQueueFunctionOptions = {
  queueName: QUEUE_NAMES.events,
  connection: 'AzureWebJobsStorage',
  handler: evaluateChangedCluster,
};

app.storageQueue(FUNCTION_NAMES.evaluateChangedCluster, evaluateChangedClusterOptions);
