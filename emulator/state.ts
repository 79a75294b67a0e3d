// What tests, the demo and benchmarks may look at. Reads settle due operations first, so they see what a GET would.
import type { EventDeliveryCounts } from './events.js';
import { resourceIdKey } from '../src/core/resource-ids.js';
import type { ProviderRegistry, RegistrationState } from './providers.js';
import type { RequestCounters, RequestCounts } from './server.js';
import { type ArmObject, type Store, serialize } from './store.js';

export class EmulatorState {
  constructor(
    private readonly store: Store,
    private readonly counters: RequestCounters,
    private readonly eventCounts: EventDeliveryCounts,
    private readonly providers: ProviderRegistry,
  ) {}

  /** A subscription's registration state for a resource provider, as GET .../providers/{namespace} shows it. */
  providerRegistration(subscriptionId: string, namespace: string): RegistrationState {
    return this.providers.state(subscriptionId, namespace, this.store.now());
  }

  /** Subscription ids (lower case) in creation order. */
  subscriptions(): string[] {
    return [...this.store.subscriptions.keys()];
  }

  get clusterCount(): number {
    return this.store.clusters.size;
  }

  /** Canonical ids of all clusters. */
  clusterIds(): string[] {
    return [...this.store.clusters.values()].map((record) => record.id);
  }

  /** The cluster as GET returns it (a copy), or undefined. */
  cluster(id: string): ArmObject | undefined {
    const record = this.store.cluster(resourceIdKey(id));
    return record ? (JSON.parse(serialize(record)) as ArmObject) : undefined;
  }

  /** The cluster's extensions as GET returns them (copies). */
  extensions(clusterId: string): ArmObject[] {
    const cluster = this.store.cluster(resourceIdKey(clusterId));
    if (!cluster) return [];
    return [...cluster.extensions.keys()]
      .map((name) => this.store.extension(cluster, name))
      .filter((record) => record !== undefined)
      .map((record) => JSON.parse(serialize(record)) as ArmObject);
  }

  extension(clusterId: string, name: string): ArmObject | undefined {
    const cluster = this.store.cluster(resourceIdKey(clusterId));
    const record = cluster ? this.store.extension(cluster, name) : undefined;
    return record ? (JSON.parse(serialize(record)) as ArmObject) : undefined;
  }

  /** A cluster's planned maintenance configurations as the list returns them (copies); [] for an unknown cluster. */
  maintenanceConfigurations(clusterId: string): ArmObject[] {
    const cluster = this.store.cluster(resourceIdKey(clusterId));
    return cluster ? [...cluster.maintenanceConfigurations.values()].map((body) => structuredClone(body)) : [];
  }

  /** Names (never values) of the protected settings an extension holds; undefined when it does not exist. */
  protectedSettingNames(clusterId: string, extensionName: string): string[] | undefined {
    const cluster = this.store.cluster(resourceIdKey(clusterId));
    const record = cluster ? this.store.extension(cluster, extensionName) : undefined;
    return record ? Object.keys(record.protectedSettings).sort() : undefined;
  }

  /** Requests by kind over all subscriptions and callers; `throttled` counts 429s. */
  get requests(): Readonly<RequestCounts> {
    return this.counters.total;
  }

  /** Per lower-cased subscription id ('' = tenant-level calls such as GET /subscriptions). */
  get requestsBySubscription(): ReadonlyMap<string, Readonly<RequestCounts>> {
    return this.counters.bySubscription;
  }

  /** Per caller object id. */
  get requestsByCaller(): ReadonlyMap<string, Readonly<RequestCounts>> {
    return this.counters.byCaller;
  }

  get throttledCount(): number {
    return this.counters.total.throttled;
  }

  resetRequestCounts(): void {
    this.counters.reset();
  }

  /** Events emitted, POSTed to eventsUrl, dropped after retries, and listener exceptions swallowed. */
  get events(): Readonly<EventDeliveryCounts> {
    return this.eventCounts;
  }

  /** Long-running operations still InProgress (including generated `Updating` clusters). */
  get runningOperations(): number {
    return this.store.pendingCount();
  }
}
