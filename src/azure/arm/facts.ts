// The FactReader port: what an evaluation needs to know about the world around a cluster, read through the official
// SDKs. Provider registrations (@azure/arm-resources providers.get) and the tenant (@azure/arm-resources-subscriptions
// subscriptions.get) are per subscription; a storage account (@azure/arm-storage storageAccounts.getProperties: its
// location and primaryEndpoints.blob) per account. Each read is kept for `maxAgeMs` (a sweep's fan-out evaluates
// every cluster of a subscription within minutes, so each subscription is read once per sweep), shared by concurrent
// evaluations while in flight, and forgotten when it failed, so the next evaluation tries again.
import { storageAccountAddress, type EvaluationFacts, type FactsWanted, type StorageAccountFacts } from '../../core/index.js';
import type { FactReader, ReadOptions } from '../../ports.js';
import { classifyArmError } from '../errors.js';
import type { ArmClientsSource } from './reader.js';

/** How long a fact read is reused by default: about one sweep's fan-out. */
export const DEFAULT_FACTS_MAX_AGE_MS = 5 * 60_000;

export interface ArmFactReaderOptions {
  /** How long a fact is reused (default DEFAULT_FACTS_MAX_AGE_MS); 0 reads every time. */
  maxAgeMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** A value read, or why it could not be. */
type Read<T> = { value: T } | { unread: string };

interface Entry<T> {
  at: number;
  read: Promise<Read<T>>;
}

export class ArmFactReader implements FactReader {
  private readonly cache = new Map<string, Entry<unknown>>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  /** ARM reads made (cache misses), for tests and the scan summary. */
  reads = 0;

  constructor(
    private readonly clients: ArmClientsSource,
    options: ArmFactReaderOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_FACTS_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  async readFacts(wanted: FactsWanted, options: ReadOptions = {}): Promise<{ facts: EvaluationFacts; unread: string[] }> {
    const { subscriptionId } = wanted;
    const [tenant, providers, accounts] = await Promise.all([
      wanted.tenant ? this.remembered(`tenant|${subscriptionId}`, () => this.tenantOf(subscriptionId, options)) : undefined,
      Promise.all(wanted.providers.map(async (namespace) => [namespace, await this.remembered(`provider|${subscriptionId}|${namespace}`, () => this.registrationOf(subscriptionId, namespace, options))] as const)),
      // A missing account is read again next time: the finding asks a person to create it.
      Promise.all(wanted.storageAccounts.map(async (id) => [id, await this.remembered(`storage|${id}`, () => this.storageAccount(id, options), (read) => read.value !== null)] as const)),
    ]);
    const facts: EvaluationFacts = {};
    const unread: string[] = [];
    const take = <T>(read: Read<T> | undefined, use: (value: T) => void) => {
      if (read === undefined) return;
      if ('value' in read) use(read.value);
      else unread.push(read.unread);
    };
    take(tenant, (value) => (facts.tenantId = value));
    if (providers.length > 0) facts.providerRegistrations = {};
    for (const [namespace, read] of providers) take(read, (state) => ((facts.providerRegistrations as Record<string, string>)[namespace] = state));
    if (accounts.length > 0) facts.storageAccounts = {};
    const missing: string[] = [];
    for (const [id, read] of accounts) take(read, (account) => (account === null ? missing.push(id) : ((facts.storageAccounts as Record<string, StorageAccountFacts>)[id] = account)));
    if (missing.length > 0) facts.missingStorageAccounts = missing;
    return { facts, unread };
  }

  /** The read under `key`, made once per maxAgeMs; a failed one, or a value `keep` refuses, is not kept. */
  private remembered<T>(key: string, read: () => Promise<Read<T>>, keep: (read: { value: T }) => boolean = () => true): Promise<Read<T>> {
    const cacheKey = key.toLowerCase();
    const now = this.now();
    const hit = this.cache.get(cacheKey) as Entry<T> | undefined;
    if (hit && now - hit.at < this.maxAgeMs) return hit.read;
    this.reads += 1;
    const entry: Entry<T> = { at: now, read: read() };
    this.cache.set(cacheKey, entry);
    void entry.read.then((result) => {
      if (('unread' in result || !keep(result)) && this.cache.get(cacheKey) === entry) this.cache.delete(cacheKey);
    });
    return entry.read;
  }

  private async tenantOf(subscriptionId: string, options: ReadOptions): Promise<Read<string>> {
    const where = `/subscriptions/${subscriptionId}`;
    try {
      const subscription = await (await this.clients()).subscriptions().subscriptions.get(subscriptionId, options);
      return subscription.tenantId ? { value: subscription.tenantId } : { unread: `the tenant of subscription ${subscriptionId}: ARM returned none` };
    } catch (error) {
      return { unread: `the tenant of subscription ${subscriptionId}: ${classifyArmError(error, where).message}` };
    }
  }

  private async registrationOf(subscriptionId: string, namespace: string, options: ReadOptions): Promise<Read<string>> {
    const where = `/subscriptions/${subscriptionId}/providers/${namespace}`;
    try {
      const provider = await (await this.clients()).resources(subscriptionId).providers.get(namespace, options);
      return provider.registrationState ? { value: provider.registrationState } : { unread: `${where}: ARM returned no registrationState` };
    } catch (error) {
      return { unread: `the registration of ${namespace} on subscription ${subscriptionId}: ${classifyArmError(error, where).message}` };
    }
  }

  /** The account's facts, or null when ARM says it does not exist (404): a finding of its own, not an unread fact. */
  private async storageAccount(id: string, options: ReadOptions): Promise<Read<StorageAccountFacts | null>> {
    const address = storageAccountAddress(id);
    if (!address) return { unread: `${id}: not a storage account id` };
    try {
      const account = await (await this.clients()).storage(address.subscriptionId).storageAccounts.getProperties(address.resourceGroup, address.name, options);
      const blob = account.primaryEndpoints?.blob;
      if (!account.location || !blob) return { unread: `storage account ${id}: ARM returned no ${account.location ? 'primaryEndpoints.blob' : 'location'}` };
      return { value: { location: account.location, blobEndpoint: blob } };
    } catch (error) {
      const failure = classifyArmError(error, id);
      if (failure.kind === 'not-found') return { value: null };
      return { unread: `storage account ${id}: ${failure.message}` };
    }
  }
}
