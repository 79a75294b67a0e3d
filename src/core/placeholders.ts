// Per-cluster values in a baseline's settings: `{cluster.name}`, `{cluster.resourceGroup}`, `{cluster.subscriptionId}`
// and `{cluster.location}` are filled in for each cluster before it is compared or planned, so one baseline gives every
// cluster its own value (Azure Backup for AKS: a blob container per cluster). A `{word.word}` that is not one of these is
// a validation error; other text, braces included (`{"a": 1}`), is left as it is.
import { normalizeLocation } from './resource-ids.js';
import type { ClusterSnapshot } from './types.js';

/** Each placeholder, with what it becomes. */
export const CLUSTER_PLACEHOLDERS = {
  'cluster.name': 'the cluster\'s name',
  'cluster.resourceGroup': 'the cluster\'s resource group, as ARM spells it',
  'cluster.subscriptionId': 'the cluster\'s subscription id',
  'cluster.location': 'the cluster\'s ARM location, normalised (eastus)',
} as const;

export type ClusterPlaceholder = keyof typeof CLUSTER_PLACEHOLDERS;

/** What looks like a placeholder: braces around a dotted name (no quotes, no spaces). */
const TOKEN = /\{([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)\}/g;

const isKnown = (name: string): name is ClusterPlaceholder => Object.hasOwn(CLUSTER_PLACEHOLDERS, name);

/** The placeholders in `value` that are not known, as written (`{cluster.id}`), once each. */
export function unknownPlaceholders(value: string): string[] {
  return [...new Set([...value.matchAll(TOKEN)].map((match) => match[1] as string).filter((name) => !isKnown(name)).map((name) => `{${name}}`))];
}

/** Whether `value` uses any known placeholder. */
export function hasPlaceholders(value: string): boolean {
  return [...value.matchAll(TOKEN)].some((match) => isKnown(match[1] as string));
}

/** The value of each placeholder for one cluster. */
export function placeholderValues(snapshot: Pick<ClusterSnapshot, 'name' | 'resourceGroup' | 'subscriptionId' | 'location'>): Record<ClusterPlaceholder, string> {
  return {
    'cluster.name': snapshot.name,
    'cluster.resourceGroup': snapshot.resourceGroup,
    'cluster.subscriptionId': snapshot.subscriptionId,
    'cluster.location': normalizeLocation(snapshot.location),
  };
}

/** `value` with the known placeholders filled in for the cluster (unknown ones cannot reach here: validation refuses them). */
export function resolvePlaceholders(value: string, values: Record<ClusterPlaceholder, string>): string {
  return value.replace(TOKEN, (token, name: string) => (isKnown(name) ? values[name] : token));
}

/** The settings with their placeholders filled in, and the keys whose value had one (with the value it became). */
export function resolveSettings(settings: Record<string, string>, snapshot: Pick<ClusterSnapshot, 'name' | 'resourceGroup' | 'subscriptionId' | 'location'>): { settings: Record<string, string>; resolved: Record<string, string> } {
  const values = placeholderValues(snapshot);
  const resolved: Record<string, string> = {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    out[key] = resolvePlaceholders(value, values);
    if (hasPlaceholders(value)) resolved[key] = out[key];
  }
  return { settings: out, resolved };
}
