// POST /api/rollouts/{rolloutId}/resume
// Resumes a halted rollout; the failures so far no longer count against its budget.
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';

export async function resumeRollout(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
  const [{ getServices }, { apiRequestFrom, changeRolloutRoute }] = await Promise.all([import('../container.js'), import('../http/routes.js')]);
  return changeRolloutRoute(await getServices(), await apiRequestFrom(request, context), 'resume');
}

// authLevel 'function': the host demands a function key before our code runs (Entra ID roles are checked on top).
export const resumeRolloutOptions: HttpFunctionOptions = {
  methods: ['POST'],
  authLevel: 'function',
  route: 'rollouts/{rolloutId}/resume',
  handler: resumeRollout,
};

app.http(FUNCTION_NAMES.resumeRollout, resumeRolloutOptions);
