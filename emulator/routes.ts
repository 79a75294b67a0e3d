// The emulated ARM surface: which method and path reach which handler. Paths match case-insensitively.
import { ArmError } from './arm-errors.js';
import { type ClusterAddress, deleteCluster, getCluster, listClusters, patchClusterTags, powerAction, putCluster } from './clusters.js';
import { deleteExtension, getExtension, listExtensions, patchExtension, putExtension } from './extensions.js';
import { type Environment, type Reply, type RequestContext, notFoundRoute } from './http.js';
import { deleteMaintenanceConfiguration, getMaintenanceConfiguration, listMaintenanceConfigurations, putMaintenanceConfiguration } from './maintenance.js';
import { getOperationResult, getOperationStatus } from './operations.js';
import { changeRegistration, getProvider, listProviders } from './providers.js';
import { getStorageAccount } from './storage-accounts.js';
import { getSubscription, listSubscriptions } from './subscriptions.js';

type Handler = (environment: Environment, context: RequestContext, params: string[]) => Reply;

interface Route {
  pattern: RegExp;
  handlers: Partial<Record<string, Handler>>;
}

export interface MatchedRoute {
  handler: Handler;
  params: string[];
  /** Lower-cased subscription the request is scoped to ('' for tenant-level requests). */
  subscriptionId: string;
  /** A write that starts a long-running operation (an `lro-failed` fault can apply). */
  startsOperation: boolean;
}

const SUBSCRIPTION = '/subscriptions/([^/]+)';
const CONTAINER_SERVICE = 'providers/Microsoft\\.ContainerService';
const CLUSTER = `${SUBSCRIPTION}/resourceGroups/([^/]+)/${CONTAINER_SERVICE}/managedClusters/([^/]+)`;
const EXTENSIONS = `${CLUSTER}/providers/Microsoft\\.KubernetesConfiguration/extensions`;

const route = (pattern: string, handlers: Route['handlers']): Route => ({ pattern: new RegExp(`^${pattern}/?$`, 'i'), handlers });
const cluster = (params: string[]): ClusterAddress => ({ subscriptionId: params[0] ?? '', resourceGroup: params[1] ?? '', name: params[2] ?? '' });

const ROUTES: Route[] = [
  route('/subscriptions', { GET: (env, ctx) => listSubscriptions(env, ctx) }),
  route(SUBSCRIPTION, { GET: (env, ctx, [id = '']) => getSubscription(env, ctx, id) }),
  route(`${SUBSCRIPTION}/providers`, { GET: (env, ctx, [id = '']) => listProviders(env, ctx, id) }),
  route(`${SUBSCRIPTION}/providers/([^/]+)`, { GET: (env, ctx, [id = '', namespace = '']) => getProvider(env, ctx, id, namespace) }),
  route(`${SUBSCRIPTION}/providers/([^/]+)/register`, { POST: (env, ctx, [id = '', namespace = '']) => changeRegistration(env, ctx, id, namespace, 'register') }),
  route(`${SUBSCRIPTION}/providers/([^/]+)/unregister`, { POST: (env, ctx, [id = '', namespace = '']) => changeRegistration(env, ctx, id, namespace, 'unregister') }),
  route(`${SUBSCRIPTION}/resourceGroups/([^/]+)/providers/Microsoft\\.Storage/storageAccounts/([^/]+)`, {
    GET: (env, ctx, [id = '', group = '', name = '']) => getStorageAccount(env, ctx, id, group, name),
  }),
  route(`${SUBSCRIPTION}/${CONTAINER_SERVICE}/managedClusters`, { GET: (env, ctx, [id = '']) => listClusters(env, ctx, id) }),
  route(`${SUBSCRIPTION}/resourceGroups/([^/]+)/${CONTAINER_SERVICE}/managedClusters`, {
    GET: (env, ctx, [id = '', group = '']) => listClusters(env, ctx, id, group),
  }),
  route(CLUSTER, {
    GET: (env, ctx, params) => getCluster(env, ctx, cluster(params)),
    PUT: (env, ctx, params) => putCluster(env, ctx, cluster(params)),
    PATCH: (env, ctx, params) => patchClusterTags(env, ctx, cluster(params)),
    DELETE: (env, ctx, params) => deleteCluster(env, ctx, cluster(params)),
  }),
  route(`${CLUSTER}/start`, { POST: (env, ctx, params) => powerAction(env, ctx, cluster(params), 'start') }),
  route(`${CLUSTER}/stop`, { POST: (env, ctx, params) => powerAction(env, ctx, cluster(params), 'stop') }),
  route(`${CLUSTER}/maintenanceConfigurations`, { GET: (env, ctx, params) => listMaintenanceConfigurations(env, ctx, cluster(params)) }),
  route(`${CLUSTER}/maintenanceConfigurations/([^/]+)`, {
    GET: (env, ctx, params) => getMaintenanceConfiguration(env, ctx, cluster(params), params[3] ?? ''),
    PUT: (env, ctx, params) => putMaintenanceConfiguration(env, ctx, cluster(params), params[3] ?? ''),
    DELETE: (env, ctx, params) => deleteMaintenanceConfiguration(env, ctx, cluster(params), params[3] ?? ''),
  }),
  route(EXTENSIONS, { GET: (env, ctx, params) => listExtensions(env, ctx, cluster(params)) }),
  route(`${EXTENSIONS}/([^/]+)`, {
    GET: (env, ctx, params) => getExtension(env, ctx, cluster(params), params[3] ?? ''),
    PUT: (env, ctx, params) => putExtension(env, ctx, cluster(params), params[3] ?? ''),
    PATCH: (env, ctx, params) => patchExtension(env, ctx, cluster(params), params[3] ?? ''),
    DELETE: (env, ctx, params) => deleteExtension(env, ctx, cluster(params), params[3] ?? ''),
  }),
  route(`${EXTENSIONS}/([^/]+)/operations/([^/]+)`, { GET: (env, ctx, params) => getOperationStatus(env, ctx, params[0] ?? '', params[4] ?? '') }),
  route(`${SUBSCRIPTION}/${CONTAINER_SERVICE}/locations/([^/]+)/operations/([^/]+)`, {
    GET: (env, ctx, [id = '', , operationId = '']) => getOperationStatus(env, ctx, id, operationId),
  }),
  route(`${SUBSCRIPTION}/${CONTAINER_SERVICE}/locations/([^/]+)/operationresults/([^/]+)`, {
    GET: (env, ctx, [id = '', , operationId = '']) => getOperationResult(env, ctx, id, operationId),
  }),
];

export function matchRoute(method: string, path: string): MatchedRoute {
  for (const candidate of ROUTES) {
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    const handler = candidate.handlers[method];
    if (!handler) {
      throw new ArmError(405, 'HttpMethodNotSupported', `The requested resource does not support http method '${method}'.`);
    }
    const params = match.slice(1).map((value) => decodeURIComponent(value ?? ''));
    const scoped = path.toLowerCase().startsWith('/subscriptions/');
    return {
      handler,
      params,
      subscriptionId: scoped ? (params[0] ?? '').toLowerCase() : '',
      // Only these writes start a long-running operation (an lro-failed fault can apply to them).
      startsOperation: method !== 'GET' && !/\/(maintenanceConfigurations\/[^/]+|providers\/[^/]+\/(register|unregister))$/i.test(path),
    };
  }
  throw notFoundRoute(method, path);
}
