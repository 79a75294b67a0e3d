// The two ways a person approves a step that waits for them: the Functions app's HTTP route and the CLI. The
// report prints both, exactly, for every step that still waits (httpApproval.ts makes the HTTP call itself).
import { parseResourceId } from '../src/core/index.js';

/** Where a deployed app answers; the report's commands carry it as a placeholder. */
export const FUNCTION_APP_URL = 'https://<function-app>.azurewebsites.net';
export const FUNCTION_KEY_PLACEHOLDER = '<function-key>';

export interface ClusterRoute {
  subscriptionId: string;
  resourceGroup: string;
  clusterName: string;
}

export function routeOf(clusterId: string): ClusterRoute {
  const parts = parseResourceId(clusterId);
  const clusterName = parts.resources[0]?.name;
  if (!parts.resourceGroup || !clusterName) throw new Error(`${clusterId} is not a managed cluster id`);
  return { subscriptionId: parts.subscriptionId, resourceGroup: parts.resourceGroup, clusterName };
}

/** The route path below the host, as the remediateCluster function registers it. */
export function remediatePath(clusterId: string): string {
  const { subscriptionId, resourceGroup, clusterName } = routeOf(clusterId);
  return `/api/clusters/${subscriptionId}/${encodeURIComponent(resourceGroup)}/${clusterName}/remediate`;
}

export function approvalBody(stepIds: readonly string[]): string {
  return JSON.stringify({ approve: stepIds });
}

export function shellQuote(text: string): string {
  return /^[\w./:@=,+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The exact curl call that approves `stepId` on a deployed app (function key and host are placeholders). */
export function approvalHttpCall(clusterId: string, stepId: string): string {
  return [
    'curl -X POST',
    shellQuote(`${FUNCTION_APP_URL}${remediatePath(clusterId)}`),
    '-H',
    shellQuote(`x-functions-key: ${FUNCTION_KEY_PLACEHOLDER}`),
    '-H',
    shellQuote('content-type: application/json'),
    '-d',
    shellQuote(approvalBody([stepId])),
  ].join(' ');
}

/**
 * The CLI command that approves `stepId` (it scans the cluster's resource group and applies the approved step
 * wherever it is planned there). `baselineFile` is named when the run did not use baselines/default.json.
 */
export function approvalCliCommand(clusterId: string, stepId: string, baselineFile?: string): string {
  const { subscriptionId, resourceGroup } = routeOf(clusterId);
  return [
    'npx aks-baseline-guard scan',
    `--subscription ${shellQuote(subscriptionId)}`,
    `--resource-group ${shellQuote(resourceGroup)}`,
    ...(baselineFile ? [`--baseline ${shellQuote(baselineFile)}`] : []),
    '--apply',
    `--approve ${shellQuote(stepId)}`,
  ].join(' ');
}
