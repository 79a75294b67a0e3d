// GET /subscriptions and /subscriptions/{id}. Every caller sees every emulated subscription.
import { subscriptionNotFound } from './arm-errors.js';
import { type Environment, type Reply, type RequestContext, nextLinkFor, pageBody, skipTokenOf } from './http.js';
import type { SubscriptionRecord } from './store.js';

function subscriptionBody(record: SubscriptionRecord, tenantId: string): Record<string, unknown> {
  return {
    id: `/subscriptions/${record.subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: record.subscriptionId,
    tenantId,
    displayName: record.displayName,
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'EnterpriseAgreement_2014-09-01', spendingLimit: 'Off' },
  };
}

export function listSubscriptions(environment: Environment, context: RequestContext): Reply {
  const all = [...environment.store.subscriptions.values()];
  const from = skipTokenOf(context);
  const page = all.slice(from, from + environment.pageSize).map((record) => JSON.stringify(subscriptionBody(record, context.caller.tenantId)));
  const next = from + environment.pageSize < all.length ? from + environment.pageSize : undefined;
  return { status: 200, body: pageBody(page, nextLinkFor(environment, context, next)) };
}

export function getSubscription(environment: Environment, context: RequestContext, subscriptionId: string): Reply {
  const record = environment.store.subscriptions.get(subscriptionId.toLowerCase());
  if (!record) throw subscriptionNotFound(subscriptionId);
  return { status: 200, body: subscriptionBody(record, context.caller.tenantId) };
}
