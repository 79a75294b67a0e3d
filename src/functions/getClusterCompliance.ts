// GET /api/clusters/{subscriptionId}/{resourceGroup}/{clusterName}/compliance
// One cluster's recorded state, recent history and recent remediations.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';

export async function getClusterCompliance(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
  const [{ getServices }, { apiRequestFrom, getClusterComplianceRoute }] = await Promise.all([import('../container.js'), import('../http/routes.js')]);
  return getClusterComplianceRoute(await getServices(), await apiRequestFrom(request, context));
}

// authLevel 'function': the host demands a function key before our code runs (Entra ID roles are checked on top).
export const getClusterComplianceOptions: HttpFunctionOptions = {
  methods: ['GET'],
  authLevel: 'function',
  route: 'clusters/{subscriptionId}/{resourceGroup}/{clusterName}/compliance',
  handler: getClusterCompliance,
};

app.http(FUNCTION_NAMES.getClusterCompliance, getClusterComplianceOptions);
