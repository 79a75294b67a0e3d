// POST /api/rollouts/{rolloutId}/approve
// Approves the wave waiting for approval, once; the caller is recorded as approver.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';

export async function approveRollout(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
  const [{ getServices }, { apiRequestFrom, changeRolloutRoute }] = await Promise.all([import('../container.js'), import('../http/routes.js')]);
  return changeRolloutRoute(await getServices(), await apiRequestFrom(request, context), 'approve');
}

// authLevel 'function': the host demands a function key before our code runs (Entra ID roles are checked on top).
export const approveRolloutOptions: HttpFunctionOptions = {
  methods: ['POST'],
  authLevel: 'function',
  route: 'rollouts/{rolloutId}/approve',
  handler: approveRollout,
};

app.http(FUNCTION_NAMES.approveRollout, approveRolloutOptions);
