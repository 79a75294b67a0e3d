// POST /api/sweeps
// Starts a fleet sweep now (the same sweep the timer runs).
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';

export async function startSweep(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
  const [{ getServices }, { apiRequestFrom, startSweepRoute }] = await Promise.all([import('../container.js'), import('../http/routes.js')]);
  return startSweepRoute(await getServices(), await apiRequestFrom(request, context));
}

// authLevel 'function': the host demands a function key before our code runs (Entra ID roles are checked on top).
export const startSweepOptions: HttpFunctionOptions = {
  methods: ['POST'],
  authLevel: 'function',
  route: 'sweeps',
  handler: startSweep,
};

app.http(FUNCTION_NAMES.startSweep, startSweepOptions);
