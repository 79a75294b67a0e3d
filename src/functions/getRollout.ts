// GET /api/rollouts/{rolloutId}
// A rollout's record and each wave's progress.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';
import { apiRequestFrom, getRolloutRoute } from '../http/routes.js';
import { getServices } from '../container.js';

export async function getRollout(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
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
