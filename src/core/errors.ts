/**
 * Input that cannot be used: a baseline that fails validation, a body that is not a managed cluster, an odd resource id.
 * Callers map it to "bad input" (CLI exit code 2, HTTP 400). Each problem reads `path: what is wrong`.
 */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : [...problems];
    super(list.join('; '));
    this.problems = list;
  }
}

/** Turns any thrown value into an Error, so callers can always read `.message`. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}
