// Counts the storage round trips the app makes, as they leave the process: every HTTP request to Azurite's table
// and queue endpoints (the SDKs' retries included), from Node's `http.client.request.start` diagnostics channel.
// Nothing in the app is wrapped, so a port method that makes two requests counts two.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

const CHANNEL = 'http.client.request.start';

export interface StorageRequest {
  service: 'table' | 'queue';
  /** Method and path without the query, e.g. `POST /devstoreaccount1/$batch`. */
  request: string;
}

export class StorageRequestCounter {
  readonly requests: StorageRequest[] = [];
  readonly #hosts: Map<string, StorageRequest['service']>;
  readonly #listener = (message: unknown): void => this.#onRequest((message as { request: ClientRequest }).request);

  constructor(endpoints: { tableEndpoint: string; queueEndpoint: string }) {
    this.#hosts = new Map([
      [new URL(endpoints.tableEndpoint).host.toLowerCase(), 'table'],
      [new URL(endpoints.queueEndpoint).host.toLowerCase(), 'queue'],
    ]);
    diagnosticsChannel.subscribe(CHANNEL, this.#listener);
  }

  stop(): void {
    diagnosticsChannel.unsubscribe(CHANNEL, this.#listener);
  }

  /** The requests made while `work` ran (nothing else may talk to storage meanwhile). */
  async during<T>(work: () => Promise<T>): Promise<{ result: T; requests: StorageRequest[] }> {
    const start = this.requests.length;
    const result = await work();
    return { result, requests: this.requests.slice(start) };
  }

  #onRequest(request: ClientRequest): void {
    const host = String(request.getHeader('host') ?? request.host).toLowerCase();
    const service = this.#hosts.get(host);
    if (!service) return;
    this.requests.push({ service, request: `${request.method} ${decodeURIComponent(request.path.split('?')[0] ?? '')}` });
  }
}
