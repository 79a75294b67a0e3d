// ARM resource ids of the two resource types we touch. ARM treats ids case-insensitively and spells
// `resourceGroups` in varying case, so parsing is case-insensitive and keeps the caller's spelling of names.

export interface ClusterRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export interface ExtensionRef extends ClusterRef {
  extensionName: string;
}

const CLUSTER_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)$/i;
const EXTENSION_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)\/providers\/Microsoft\.KubernetesConfiguration\/extensions\/([^/]+)$/i;

/** Parses a managed cluster id; throws an error naming the id when it is not one. */
export function parseClusterId(id: string): ClusterRef {
  const match = CLUSTER_ID.exec(id.trim().replace(/\/+$/, ''));
  if (!match?.[1] || !match[2] || !match[3]) {
    throw new Error(`"${id}" is not a managed cluster id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>)`);
  }
  return { subscriptionId: match[1], resourceGroup: decodeURIComponent(match[2]), name: decodeURIComponent(match[3]) };
}

/** Parses a cluster extension id (the path of an extension PUT/PATCH). */
export function parseExtensionId(id: string): ExtensionRef {
  const path = id.trim().split('?')[0]?.replace(/\/+$/, '') ?? '';
  const match = EXTENSION_ID.exec(path);
  if (!match?.[1] || !match[2] || !match[3] || !match[4]) {
    throw new Error(`"${id}" is not a cluster extension id (<cluster id>/providers/Microsoft.KubernetesConfiguration/extensions/<name>)`);
  }
  return {
    subscriptionId: match[1],
    resourceGroup: decodeURIComponent(match[2]),
    name: decodeURIComponent(match[3]),
    extensionName: decodeURIComponent(match[4]),
  };
}

export function clusterIdOf(ref: ClusterRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${ref.name}`;
}
