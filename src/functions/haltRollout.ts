// POST /api/rollouts/{rolloutId}/halt
// Halts the rollout: nothing new starts (body: optional reason).
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';

export async function haltRollout(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
  const [{ getServices }, { apiRequestFrom, changeRolloutRoute }] = await Promise.all([import('../container.js'), import('../http/routes.js')]);
  return changeRolloutRoute(await getServices(), await apiRequestFrom(request, context), 'halt');
}

// authLevel 'function': the host demands a function key before our code runs (Entra ID roles are checked on top).
export const haltRolloutOptions: HttpFunctionOptions = {
  methods: ['POST'],
  authLevel: 'function',
  route: 'rollouts/{rolloutId}/halt',
  handler: haltRollout,
};

app.http(FUNCTION_NAMES.haltRollout, haltRolloutOptions);
