// The sweep lane's queue worker: one message = one cluster to evaluate and, where the baseline says so, remediate.
// Its queue carries the sweep's fan-out and the continuations of sweep evaluations; changed clusters have their own
// lane (evaluateChangedCluster). Thrown errors are retried by the host and end in the poison queue after maxDequeueCount (host.json).
import { app, type InvocationContext, type StorageQueueFunctionOptions } from '@azure/functions';
import { FUNCTION_NAMES, QUEUE_NAMES } from '../names.js';
import type { WorkerOutcome } from '../pipeline/worker.js';

export async function evaluateCluster(message: unknown, context: InvocationContext): Promise<WorkerOutcome> {
  try {
    // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
    const [{ getServices }, { processEvaluationMessage }] = await Promise.all([import('../container.js'), import('../pipeline/worker.js')]);
    return await processEvaluationMessage(await getServices(), message, { invocationId: context.invocationId, log: context, lane: 'evaluations' });
  } catch (error) {
    const dequeueCount = context.triggerMetadata?.dequeueCount;
    const delivery = typeof dequeueCount === 'number' ? `delivery ${dequeueCount}` : 'delivery ?';
    context.error(`evaluation failed (${delivery}): ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    throw error;
  }
}

export const evaluateClusterOptions: StorageQueueFunctionOptions = {
  queueName: QUEUE_NAMES.evaluations,
  connection: 'AzureWebJobsStorage',
  handler: evaluateCluster,
};

app.storageQueue(FUNCTION_NAMES.evaluateCluster, evaluateClusterOptions);
