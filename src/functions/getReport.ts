// GET /api/report?since=30d
// The compliance report: one self-contained HTML page from the store (the same page as `aks-baseline-guard report`).
import { app, type HttpFunctionOptions, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTION_NAMES } from '../names.js';

export async function getReport(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  // Imported on the first invocation: at start-up the host loads only the trigger registrations (docs/performance.md).
  const [{ getServices }, { apiRequestFrom, getReportRoute }] = await Promise.all([import('../container.js'), import('../http/routes.js')]);
  return getReportRoute(await getServices(), await apiRequestFrom(request, context));
}

// authLevel 'function': the host demands a function key before our code runs (Entra ID roles are checked on top).
export const getReportOptions: HttpFunctionOptions = {
  methods: ['GET'],
  authLevel: 'function',
  route: 'report',
  handler: getReport,
};

app.http(FUNCTION_NAMES.getReport, getReportOptions);
