// Status resources of long-running operations: Azure-AsyncOperation (InProgress -> Succeeded/Failed)
// and, for deletes, the Location "operation result" (202 while running, then 204).
import { ArmError, subscriptionNotFound } from './arm-errors.js';
import type { Environment, Reply, RequestContext } from './http.js';
import type { Operation } from './store.js';

function findOperation(environment: Environment, context: RequestContext, operationId: string, path: (operation: Operation) => string | undefined): Operation {
  const operation = environment.store.operation(operationId, context.now);
  const requested = context.path.replace(/\/+$/, '').toLowerCase();
  if (!operation || path(operation)?.toLowerCase() !== requested) {
    throw new ArmError(404, 'NotFound', `The operation '${operationId}' could not be found.`);
  }
  return operation;
}

function statusBody(operation: Operation): Record<string, unknown> {
  return {
    id: operation.statusPath,
    name: operation.id,
    status: operation.status,
    startTime: operation.startTime,
    ...(operation.endTime ? { endTime: operation.endTime } : {}),
    ...(operation.status === 'Succeeded' ? { properties: {} } : {}),
    ...(operation.status === 'Failed' && operation.error ? { error: operation.error } : {}),
  };
}

export function getOperationStatus(environment: Environment, context: RequestContext, subscriptionId: string, operationId: string): Reply {
  if (!environment.store.hasSubscription(subscriptionId)) throw subscriptionNotFound(subscriptionId);
  const operation = findOperation(environment, context, operationId, (candidate) => candidate.statusPath);
  return { status: 200, body: statusBody(operation) };
}

export function getOperationResult(environment: Environment, context: RequestContext, subscriptionId: string, operationId: string): Reply {
  if (!environment.store.hasSubscription(subscriptionId)) throw subscriptionNotFound(subscriptionId);
  const operation = findOperation(environment, context, operationId, (candidate) => candidate.resultPath);
  if (operation.status === 'InProgress') {
    return { status: 202, headers: { location: `${environment.endpoint}${context.path}?api-version=${operation.apiVersion}` } };
  }
  if (operation.status === 'Failed' && operation.error) throw new ArmError(500, operation.error.code, operation.error.message);
  return { status: 204 };
}
