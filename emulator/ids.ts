// Resource ids. Routes compare them case-insensitively; responses use the canonical casing below.

export const CLUSTER_TYPE = 'Microsoft.ContainerService/managedClusters';
export const EXTENSION_TYPE = 'Microsoft.KubernetesConfiguration/extensions';

export function clusterId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${CLUSTER_TYPE}/${name}`;
}

export function extensionId(parentClusterId: string, name: string): string {
  return `${parentClusterId}/providers/${EXTENSION_TYPE}/${name}`;
}

export function keyOf(id: string): string {
  return id.toLowerCase();
}

export interface ClusterIdParts {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

const CLUSTER_ID = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)$/i;

/** Parses a managed cluster id; throws an Error naming the id when it is not one. */
export function parseClusterId(id: string): ClusterIdParts {
  const match = CLUSTER_ID.exec(id.replace(/\/+$/, ''));
  if (!match?.[1] || !match[2] || !match[3]) {
    throw new Error(
      `'${id}' is not a managed cluster id (expected /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name})`,
    );
  }
  return { subscriptionId: match[1].toLowerCase(), resourceGroup: match[2], name: match[3] };
}
