// What a route handler gets and gives back. Handlers are synchronous and never touch the socket.
import type { IncomingHttpHeaders } from 'node:http';
import { ArmError, badRequest, preconditionFailed } from './arm-errors.js';
import type { AcceptedChange } from './events.js';
import type { ExtensionTypeCatalog } from './extension-types.js';
import type { ProviderRegistry } from './providers.js';
import type { ArmObject, Store } from './store.js';
import type { StorageAccountRegistry } from './storage-accounts.js';
import type { CallerIdentity } from './tokens.js';

export interface Environment {
  store: Store;
  /** https://127.0.0.1:PORT */
  endpoint: string;
  pageSize: number;
  lroDurationMs: number;
  /** The extension types the emulator knows (profiles, the spec's Marketplace example, test types). */
  extensionTypes: ExtensionTypeCatalog;
  /** Resource provider registration per subscription. */
  providers: ProviderRegistry;
  /** Storage accounts that can be read (Azure Backup's). */
  storageAccounts: StorageAccountRegistry;
}

export interface RequestContext {
  method: string;
  path: string;
  query: URLSearchParams;
  apiVersion: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, undefined when there was none. */
  body: unknown;
  caller: CallerIdentity;
  now: number;
  /** An `lro-failed` fault picked this write: its operation ends Failed. */
  failOperation: boolean;
}

export interface Reply {
  status: number;
  /** An object to serialise, or JSON text already serialised. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Set when the request changed a resource: the server emits the Event Grid event. */
  change?: AcceptedChange;
}

export const FAILED_OPERATION_ERROR = {
  code: 'InternalOperationError',
  message: 'The operation failed in the emulator (lro-failed fault). Retry the operation.',
};

export function requireObject(value: unknown, what: string): ArmObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('InvalidRequestContent', `The request content for ${what} must be a JSON object.`);
  }
  return value as ArmObject;
}

export function optionalObject(value: unknown, what: string): ArmObject | undefined {
  if (value === undefined || value === null) return undefined;
  return requireObject(value, what);
}

/** Where a list continues: the slot number carried in `$skipToken`. */
export function skipTokenOf(context: RequestContext): number {
  const token = context.query.get('$skipToken');
  if (token === null) return 0;
  const slot = Number(token);
  if (!Number.isInteger(slot) || slot < 0) throw badRequest('InvalidSkipToken', `The skip token '${token}' is not valid.`);
  return slot;
}

export function pageBody(items: string[], nextLink: string | undefined): string {
  return `{"value":[${items.join(',')}]${nextLink ? `,"nextLink":${JSON.stringify(nextLink)}` : ''}}`;
}

export function nextLinkFor(environment: Environment, context: RequestContext, next: number | undefined): string | undefined {
  if (next === undefined) return undefined;
  return `${environment.endpoint}${context.path}?api-version=${encodeURIComponent(context.apiVersion)}&%24skipToken=${next}`;
}

function etagValue(header: string): string {
  return header.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** If-Match / If-None-Match against the current eTag (undefined when the resource does not exist). */
export function checkPreconditions(context: RequestContext, currentETag: string | undefined, exists: boolean): void {
  const ifMatch = context.headers['if-match'];
  if (ifMatch !== undefined) {
    const wanted = ifMatch.split(',').map(etagValue);
    if (!exists) throw preconditionFailed(`The resource does not exist, so If-Match '${ifMatch}' cannot be satisfied.`);
    if (!wanted.includes('*') && !wanted.includes(currentETag ?? '')) {
      throw preconditionFailed(`The If-Match '${ifMatch}' does not match the current eTag '${currentETag ?? ''}': the resource was changed since it was read. Read it again and retry.`);
    }
  }
  const ifNoneMatch = context.headers['if-none-match'];
  if (ifNoneMatch !== undefined && exists) {
    const unwanted = ifNoneMatch.split(',').map(etagValue);
    if (unwanted.includes('*') || unwanted.includes(currentETag ?? '')) {
      throw preconditionFailed(`The resource already exists and If-None-Match is '${ifNoneMatch}'.`);
    }
  }
}

export function stringRecord(value: unknown, what: string): Record<string, string> {
  const object = optionalObject(value, what) ?? {};
  for (const [name, entry] of Object.entries(object)) {
    if (typeof entry !== 'string') throw badRequest('InvalidParameter', `${what}.${name} must be a string.`);
  }
  return object as Record<string, string>;
}

export function notFoundRoute(method: string, path: string): ArmError {
  return new ArmError(404, 'NotFound', `No emulated ARM API answers ${method} ${path}.`);
}
