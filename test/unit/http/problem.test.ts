import { describe, expect, test } from '@jest/globals';
import { problem } from '../../../src/http/problem.js';

describe('problem', () => {
  test('is an RFC 9457 body with the problem media type', () => {
    const result = problem(400, 'dryRun: must be a boolean', { errors: ['dryRun: must be a boolean'] });

    expect(result.status).toBe(400);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(Object.keys(result.jsonBody as object).sort()).toStrictEqual(['detail', 'errors', 'status', 'title', 'type']);
  });
});
