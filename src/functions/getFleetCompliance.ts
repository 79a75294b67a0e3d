// GET /api/compliance
// The fleet summary (counts by status) and one page of cluster states.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';

export async function getFleetCompliance(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
  const [{ getServices }, { apiRequestFrom, getFleetComplianceRoute }] = await Promise.all([import('../container.js'), import('../http/routes.js')]);
  return getFleetComplianceRoute(await getServices(), await apiRequestFrom(request, context));
}

// authLevel 'function': the host demands a function key before our code runs (Entra ID roles are checked on top).
export const getFleetComplianceOptions: HttpFunctionOptions = {
  methods: ['GET'],
  authLevel: 'function',
  route: 'compliance',
  handler: getFleetCompliance,
};

app.http(FUNCTION_NAMES.getFleetCompliance, getFleetComplianceOptions);
