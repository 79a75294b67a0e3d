// The two ways a person approves what waits for them, written out exactly: the Functions app's remediate route (as a
// curl call) and the CLI's scan. The report prints both for every waiting rule; the demo makes the HTTP call itself.
import { parseClusterId } from '../core/index.js';

/** Where a deployed app answers, when the report does not know (the CLI): a placeholder to fill in. */
export const FUNCTION_APP_URL_PLACEHOLDER = 'https://<function-app>.azurewebsites.net';
export const FUNCTION_KEY_PLACEHOLDER = '<function-key>';
export const ENTRA_TOKEN_PLACEHOLDER = '<entra-id-token>';

export interface ApprovalCommandOptions {
  /** The function app's base URL (no trailing slash); the placeholder when absent. */
  appUrl?: string;
  /** With Entra ID authentication on, the call also needs a bearer token with the Compliance.Remediate role. */
  entraAuth?: boolean;
  /** The baseline the CLI must evaluate with, when it is not the default one. */
  baselineFile?: string;
}

/** The route path below the host, as the remediateCluster function registers it, its segments URL-encoded. */
export function remediatePath(clusterId: string): string {
  const { subscriptionId, resourceGroup, name } = parseClusterId(clusterId);
  return `/api/clusters/${[subscriptionId, resourceGroup, name].map(encodeURIComponent).join('/')}/remediate`;
}

export function approvalBody(approvals: readonly string[]): string {
  return JSON.stringify({ approve: approvals });
}

/** A word a POSIX shell reads back unchanged: as it is when plain, else in single quotes. */
export function shellQuote(text: string): string {
  return /^[\w./:@=,+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The exact curl call that approves `approval` (a step id or a rule id) on this cluster. */
export function approvalHttpCall(clusterId: string, approval: string, options: ApprovalCommandOptions = {}): string {
  const base = (options.appUrl ?? FUNCTION_APP_URL_PLACEHOLDER).replace(/\/+$/, '');
  return [
    'curl -X POST',
    shellQuote(`${base}${remediatePath(clusterId)}`),
    '-H',
    shellQuote(`x-functions-key: ${FUNCTION_KEY_PLACEHOLDER}`),
    ...(options.entraAuth ? ['-H', shellQuote(`Authorization: Bearer ${ENTRA_TOKEN_PLACEHOLDER}`)] : []),
    '-H',
    shellQuote('content-type: application/json'),
    '-d',
    shellQuote(approvalBody([approval])),
  ].join(' ');
}

/**
 * The CLI command that approves `approval`. The CLI has no single-cluster scan: it scans the cluster's resource group
 * and applies the approved step on every cluster of that group that plans it.
 */
export function approvalCliCommand(clusterId: string, approval: string, options: ApprovalCommandOptions = {}): string {
  const { subscriptionId, resourceGroup } = parseClusterId(clusterId);
  return [
    'npx aks-baseline-guard scan',
    `--subscription ${shellQuote(subscriptionId)}`,
    `--resource-group ${shellQuote(resourceGroup)}`,
    ...(options.baselineFile ? [`--baseline ${shellQuote(options.baselineFile)}`] : []),
    '--apply',
    `--approve ${shellQuote(approval)}`,
  ].join(' ');
}
