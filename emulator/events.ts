// Event Grid events for accepted writes and deletes, laid out like the Azure Resources system-topic
// samples (emulator/fixtures/eventgrid): delivered to in-process listeners and, optionally, POSTed to a URL.
import { randomUUID } from 'node:crypto';
import type { CallerIdentity } from './tokens.js';

export type EmulatorEventType = 'Microsoft.Resources.ResourceWriteSuccess' | 'Microsoft.Resources.ResourceDeleteSuccess' | 'Microsoft.Resources.ResourceActionSuccess';

export interface EmulatorEvent {
  id: string;
  subject: string;
  eventType: EmulatorEventType;
  eventTime: string;
  topic: string;
  dataVersion: string;
  metadataVersion: '1';
  data: {
    authorization: { scope: string; action: string; evidence: Record<string, string> };
    claims: Record<string, string>;
    correlationId: string;
    httpRequest: { clientRequestId: string; clientIpAddress: string; method: string; url: string };
    resourceProvider: string;
    resourceUri: string;
    operationName: string;
    status: 'Succeeded';
    subscriptionId: string;
    tenantId: string;
  };
}

export interface AcceptedChange {
  /** A write (PUT/PATCH), a delete, or a POST action such as a cluster's start or stop. */
  action: 'write' | 'delete' | 'action';
  /** For `action`: its name, e.g. `start` (operationName `.../managedClusters/start/action`). */
  actionName?: string;
  /** Canonical resource id. */
  resourceId: string;
  subscriptionId: string;
  /** e.g. Microsoft.ContainerService/managedClusters */
  resourceType: string;
}

export interface RequestFacts {
  caller: CallerIdentity;
  correlationId: string;
  clientRequestId: string;
  clientIpAddress: string;
  method: string;
  url: string;
}

const EVENT_TYPES: Record<AcceptedChange['action'], EmulatorEventType> = {
  write: 'Microsoft.Resources.ResourceWriteSuccess',
  delete: 'Microsoft.Resources.ResourceDeleteSuccess',
  action: 'Microsoft.Resources.ResourceActionSuccess',
};
const OBJECT_ID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const CONTRIBUTOR_ROLE_ID = 'b24988ac618042a0ab8820f7382dd24c';

/** Event Grid spells the resource group segment in lower case; products must compare ids case-insensitively. */
function eventGridId(resourceId: string): string {
  return resourceId.replace(/\/resourceGroups\//i, '/resourcegroups/');
}

export function buildEvent(change: AcceptedChange, request: RequestFacts, now = new Date()): EmulatorEvent {
  const resourceUri = eventGridId(change.resourceId);
  const operationName = change.action === 'action' ? `${change.resourceType}/${change.actionName ?? ''}/action` : `${change.resourceType}/${change.action}`;
  const { caller } = request;
  const issuedAt = Math.floor(now.getTime() / 1000);
  return {
    id: randomUUID(),
    subject: resourceUri,
    eventType: EVENT_TYPES[change.action],
    eventTime: now.toISOString(),
    topic: `/subscriptions/${change.subscriptionId}`,
    dataVersion: '2',
    metadataVersion: '1',
    data: {
      authorization: {
        scope: resourceUri,
        action: operationName,
        evidence: {
          role: 'Contributor',
          roleAssignmentScope: `/subscriptions/${change.subscriptionId}`,
          roleAssignmentId: caller.objectId.replaceAll('-', ''),
          roleDefinitionId: CONTRIBUTOR_ROLE_ID,
          principalId: caller.objectId,
          principalType: 'ServicePrincipal',
        },
      },
      claims: {
        aud: 'https://management.core.windows.net/',
        iss: `https://sts.windows.net/${caller.tenantId}/`,
        iat: String(issuedAt - 60),
        nbf: String(issuedAt - 60),
        exp: String(issuedAt + 3600),
        appid: caller.appId,
        appidacr: '2',
        'http://schemas.microsoft.com/identity/claims/identityprovider': `https://sts.windows.net/${caller.tenantId}/`,
        [OBJECT_ID_CLAIM]: caller.objectId,
        'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier': caller.objectId,
        'http://schemas.microsoft.com/identity/claims/tenantid': caller.tenantId,
        ver: '1.0',
      },
      correlationId: request.correlationId,
      httpRequest: {
        clientRequestId: request.clientRequestId,
        clientIpAddress: request.clientIpAddress,
        method: request.method,
        url: request.url,
      },
      resourceProvider: change.resourceType.split('/')[0] ?? change.resourceType,
      resourceUri,
      operationName,
      status: 'Succeeded',
      subscriptionId: change.subscriptionId,
      tenantId: caller.tenantId,
    },
  };
}

export type EventListener = (event: EmulatorEvent) => void;

export interface EventDeliveryCounts {
  emitted: number;
  posted: number;
  dropped: number;
  listenerErrors: number;
}

const POST_RETRY_DELAYS_MS = [100, 500, 2000];
/** How many recent events `GET /_emulator/events` can show. */
export const RECENT_EVENTS_KEPT = 2000;
const MAX_POSTS_IN_FLIGHT = 4;

/** Fans events out. Listeners run synchronously, before the write's response is sent. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();
  private readonly queue: EmulatorEvent[] = [];
  private readonly recentRing: EmulatorEvent[] = [];
  private inFlight = 0;
  private readonly abort = new AbortController();
  readonly counts: EventDeliveryCounts = { emitted: 0, posted: 0, dropped: 0, listenerErrors: 0 };

  constructor(
    private readonly url: string | undefined,
    private readonly maxBatch = 1,
  ) {}

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EmulatorEvent): void {
    this.recentRing[this.counts.emitted % RECENT_EVENTS_KEPT] = event;
    this.counts.emitted += 1;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        this.counts.listenerErrors += 1;
      }
    }
    if (this.url) {
      this.queue.push(event);
      this.pump();
    }
  }

  /** The last RECENT_EVENTS_KEPT events, oldest first. */
  recent(): EmulatorEvent[] {
    const start = this.counts.emitted % RECENT_EVENTS_KEPT;
    return this.counts.emitted <= RECENT_EVENTS_KEPT ? [...this.recentRing] : [...this.recentRing.slice(start), ...this.recentRing.slice(0, start)];
  }

  close(): void {
    this.abort.abort();
    this.queue.length = 0;
  }

  private pump(): void {
    while (this.url && this.inFlight < MAX_POSTS_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.post(this.url, batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async post(url: string, batch: EmulatorEvent[]): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      if (this.abort.signal.aborted) return;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
          body: JSON.stringify(batch),
          signal: this.abort.signal,
        });
        await response.arrayBuffer();
        if (response.ok) {
          this.counts.posted += batch.length;
          return;
        }
      } catch {
        // Retried below, like Event Grid retries a failing endpoint.
      }
      const delay = POST_RETRY_DELAYS_MS[attempt];
      if (delay === undefined || this.abort.signal.aborted) {
        this.counts.dropped += batch.length;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
    }
  }
}
