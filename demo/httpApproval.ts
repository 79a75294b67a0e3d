// Approving a step the way a person would on a deployed app: POST .../remediate with `{ "approve": [...] }`. The
// demo calls the real remediateCluster handler with the request the Functions host would hand it once the
// function key checked out.
// The package is a CommonJS bundle whose classes Node's ESM loader cannot see as named exports: take them from the default export.
import azureFunctions from '@azure/functions';
import { remediateCluster } from '../src/functions/remediateCluster.js';
import { FUNCTION_NAMES } from '../src/names.js';
import { approvalBody, remediatePath, routeOf } from './approvals.js';
import type { DemoApp } from './app.js';

export interface ApprovalResponse {
  status: number;
  /** The route's JSON answer (a problem document when status is not 200). */
  body: unknown;
}

/** Calls the real remediateCluster handler with `{ "approve": [...] }`, as the Functions host would deliver it. */
export async function approveThroughHttp(app: DemoApp, clusterId: string, stepIds: readonly string[]): Promise<ApprovalResponse> {
  const route = routeOf(clusterId);
  const request = new azureFunctions.HttpRequest({
    method: 'POST',
    url: `http://127.0.0.1:7071${remediatePath(clusterId)}`,
    params: { ...route },
    headers: { 'content-type': 'application/json' },
    body: { string: approvalBody(stepIds) },
  });
  const response = await remediateCluster(request, app.context(FUNCTION_NAMES.remediateCluster));
  return { status: response.status ?? 200, body: response.jsonBody };
}
