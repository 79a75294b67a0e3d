// The route a person's approval goes to. The commands the report prints come from src/report/approvals.ts (the same
// the CLI's and the function app's report print); httpApproval.ts makes the call itself.
import { parseResourceId } from '../src/core/index.js';

export { approvalBody, remediatePath } from '../src/report/approvals.js';

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
