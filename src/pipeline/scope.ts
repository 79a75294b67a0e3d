// Which clusters the app may touch: those of TARGET_SUBSCRIPTION_IDS (when set) that the baseline's scope takes in.
// The worker, the event intake, the sweep and the HTTP routes ask the same question here.
import type { AppConfig } from '../config.js';
import { isInScope, parseResourceId, type Baseline } from '../core/index.js';

/** Why a cluster is outside what the app may touch, or undefined when it is inside. Throws InvalidInputError for a bad id. */
export function outOfScopeReason(services: { config: Pick<AppConfig, 'targetSubscriptionIds'>; baseline: Baseline }, clusterId: string): string | undefined {
  const subscriptionId = parseResourceId(clusterId).subscriptionId.toLowerCase();
  const targets = services.config.targetSubscriptionIds;
  if (targets.length > 0 && !targets.includes(subscriptionId)) return `subscription ${subscriptionId} is not in TARGET_SUBSCRIPTION_IDS`;
  if (!isInScope(services.baseline, clusterId)) return 'the cluster is outside the baseline scope (subscriptions / resource groups)';
  return undefined;
}
