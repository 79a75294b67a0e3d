// RFC 9457 problem details. Every 4xx/5xx from the HTTP routes goes through here, so ARM or Storage error
// bodies are never echoed: callers get a title, a detail we wrote, and a stable type URI.

export interface HttpResult {
  status: number;
  headers?: Record<string, string>;
  jsonBody?: unknown;
  /** A text body (the HTML report), with its content-type in `headers`. */
  body?: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: string[];
}

const PROBLEM_TYPES: Record<number, { slug: string; title: string }> = {
  400: { slug: 'bad-request', title: 'The request is not valid' },
  401: { slug: 'unauthenticated', title: 'Authentication is required' },
  403: { slug: 'forbidden', title: 'The caller may not do this' },
  404: { slug: 'not-found', title: 'No such cluster' },
  409: { slug: 'conflict', title: 'The cluster is busy' },
  502: { slug: 'arm-error', title: 'Azure Resource Manager refused the request' },
  503: { slug: 'unavailable', title: 'A dependency is unavailable; retry later' },
};

export function problem(status: number, detail: string, extra: { instance?: string; errors?: string[]; retryAfterSeconds?: number } = {}): HttpResult {
  const known = PROBLEM_TYPES[status] ?? { slug: 'error', title: 'The request failed' };
  const body: Problem = {
    type: `https://aks-baseline-guard.dev/problems/${known.slug}`,
    title: known.title,
    status,
    detail,
    ...(extra.instance ? { instance: extra.instance } : {}),
    ...(extra.errors && extra.errors.length > 0 ? { errors: extra.errors } : {}),
  };
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (extra.retryAfterSeconds !== undefined) headers['retry-after'] = String(extra.retryAfterSeconds);
  return { status, headers, jsonBody: body };
}

export function json(status: number, body: unknown): HttpResult {
  return { status, headers: { 'content-type': 'application/json' }, jsonBody: body };
}
