// ARM-shaped failures: `{ "error": { "code", "message" } }` with the status ARM uses for each.

export type Headers = Record<string, string>;

export interface ArmErrorDetail {
  code: string;
  target?: string;
  message: string;
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Headers = {},
    readonly details: ArmErrorDetail[] | undefined = undefined,
  ) {
    super(message);
    this.name = 'ArmError';
  }

  toBody(): { error: { code: string; message: string; details?: ArmErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export function resourceNotFound(resourceType: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${resourceType}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function subscriptionNotFound(subscriptionId: string): ArmError {
  return new ArmError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
}

export function badRequest(code: string, message: string): ArmError {
  return new ArmError(400, code, message);
}

/** AKS answers any write during a running operation like this (see https://aka.ms/aks-pending-operation). */
export function operationInProgress(what: string, state: string): ArmError {
  return new ArmError(
    409,
    'OperationNotAllowed',
    `Operation is not allowed: another operation is in progress (${state}) on ${what}, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details`,
  );
}

export function preconditionFailed(message: string): ArmError {
  return new ArmError(412, 'PreconditionFailed', message);
}

/**
 * A request the cluster's power state forbids: a write to a stopped cluster, starting a running one, stopping a stopped
 * one. The code and the "Provisioning State(...) and Power State(...)" form follow the AKS support article on
 * OperationNotAllowed; the HTTP status is not public (409 as for a pending operation, which community reports show).
 */
export function powerStateConflict(name: string, provisioningState: string, powerState: string, verb: string, advice: string): ArmError {
  return new ArmError(
    409,
    'OperationNotAllowed',
    `Operation is not allowed: managed cluster '${name}' is in Provisioning State(${provisioningState}) and Power State(${powerState}), ${verb} cannot be performed. ${advice}`,
  );
}
