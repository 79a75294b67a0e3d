// POST /api/clusters/{subscriptionId}/{resourceGroup}/{clusterName}/remediate
// Evaluates one cluster now and runs its automatic steps plus the approval steps the body approves (unless dryRun).
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';

export async function remediateCluster(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
  const [{ getServices }, { apiRequestFrom, remediateClusterRoute }] = await Promise.all([import('../container.js'), import('../http/routes.js')]);
  return remediateClusterRoute(await getServices(), await apiRequestFrom(request, context));
}

// authLevel 'function': the host demands a function key before our code runs (Entra ID roles are checked on top).
export const remediateClusterOptions: HttpFunctionOptions = {
  methods: ['POST'],
  authLevel: 'function',
  route: 'clusters/{subscriptionId}/{resourceGroup}/{clusterName}/remediate',
  handler: remediateCluster,
};

app.http(FUNCTION_NAMES.remediateCluster, remediateClusterOptions);
