// Requests of the app's process that took long on the wire (Azurite's and ARM's alike), from Node's http client
// diagnostics channels: when a percentile jumps, this says which call waited. Nothing in the app is wrapped.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

export interface SlowRequest {
  method: string;
  /** Host and path without the query. */
  target: string;
  ms: number;
  /** The status, or the error's code when the request failed. */
  result: string;
  /** When it started, in performance.now() time. */
  startedAt: number;
}

const START = 'http.client.request.start';
const FINISH = 'http.client.response.finish';
const ERROR = 'http.client.request.error';

export class SlowRequestLog {
  readonly slow: SlowRequest[] = [];
  total = 0;
  readonly #started = new WeakMap<ClientRequest, number>();
  readonly #onStart = (message: unknown): void => void this.#started.set((message as { request: ClientRequest }).request, performance.now());
  readonly #onFinish = (message: unknown): void => {
    const { request, response } = message as { request: ClientRequest; response: { statusCode?: number } };
    this.#end(request, String(response.statusCode ?? '?'));
  };
  readonly #onError = (message: unknown): void => {
    const { request, error } = message as { request: ClientRequest; error: { code?: string; message?: string } };
    this.#end(request, error.code ?? error.message ?? 'error');
  };

  constructor(readonly thresholdMs: number) {
    diagnosticsChannel.subscribe(START, this.#onStart);
    diagnosticsChannel.subscribe(FINISH, this.#onFinish);
    diagnosticsChannel.subscribe(ERROR, this.#onError);
  }

  stop(): void {
    diagnosticsChannel.unsubscribe(START, this.#onStart);
    diagnosticsChannel.unsubscribe(FINISH, this.#onFinish);
    diagnosticsChannel.unsubscribe(ERROR, this.#onError);
  }

  /** Slow requests grouped by method, target (ids and keys cut off) and result: count and worst time. */
  summary(): { what: string; count: number; worstMs: number; firstStartedAt: number }[] {
    const groups = new Map<string, { count: number; worstMs: number; firstStartedAt: number }>();
    for (const request of this.slow) {
      const what = `${request.method} ${request.target.replace(/\(.*$/, '(…)').replace(/\/[0-9a-f-]{36}.*$/i, '/…')} -> ${request.result}`;
      const group = groups.get(what) ?? { count: 0, worstMs: 0, firstStartedAt: Math.round(request.startedAt) };
      group.count += 1;
      group.worstMs = Math.max(group.worstMs, Math.round(request.ms));
      groups.set(what, group);
    }
    return [...groups.entries()].map(([what, group]) => ({ what, ...group })).sort((a, b) => b.count - a.count);
  }

  #end(request: ClientRequest, result: string): void {
    const startedAt = this.#started.get(request);
    if (startedAt === undefined) return;
    this.#started.delete(request);
    this.total += 1;
    const ms = performance.now() - startedAt;
    if (ms < this.thresholdMs) return;
    const host = String(request.getHeader('host') ?? request.host);
    this.slow.push({ method: request.method, target: `${host}${request.path.split('?')[0] ?? ''}`, ms, result, startedAt });
  }
}
