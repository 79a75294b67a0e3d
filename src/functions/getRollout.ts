// GET /api/rollouts/{rolloutId}
// A rollout's record and each wave's progress.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';

export async function getRollout(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
  const [{ getServices }, { apiRequestFrom, getRolloutRoute }] = await Promise.all([import('../container.js'), import('../http/routes.js')]);
  return getRolloutRoute(await getServices(), await apiRequestFrom(request, context));
}

// authLevel 'function': the host demands a function key before our code runs (Entra ID roles are checked on top).
export const getRolloutOptions: HttpFunctionOptions = {
  methods: ['GET'],
  authLevel: 'function',
  route: 'rollouts/{rolloutId}',
  handler: getRollout,
};

app.http(FUNCTION_NAMES.getRollout, getRolloutOptions);
