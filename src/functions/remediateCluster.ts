// POST /api/clusters/{subscriptionId}/{resourceGroup}/{clusterName}/remediate
// Evaluates one cluster now and runs its automatic steps plus the approval steps the body approves (unless dryRun).
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';
import { apiRequestFrom, remediateClusterRoute } from '../http/routes.js';
import { getServices } from '../container.js';

export async function remediateCluster(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
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
