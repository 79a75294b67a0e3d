// The published JSON Schema (schema/baseline.schema.json) is the one the code validates with.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { BASELINE_SCHEMA } from '../../../src/core/baseline-schema.js';
import { repoPath } from '../../support/paths.js';

describe('schema/baseline.schema.json', () => {
  const published = JSON.parse(readFileSync(repoPath('schema', 'baseline.schema.json'), 'utf8')) as unknown;

  test('is the schema the code validates with (run npm run schema)', () => {
    expect(published).toStrictEqual(JSON.parse(JSON.stringify(BASELINE_SCHEMA)));
  });

  test('has an $id and a description on every property', () => {
    // Prepare: every property path whose schema has no description.
    const missing: string[] = [];
    const walk = (schema: unknown, at: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const node = schema as { properties?: Record<string, unknown>; items?: unknown; additionalProperties?: unknown };
      for (const [name, child] of Object.entries(node.properties ?? {})) {
        if (typeof (child as { description?: unknown }).description !== 'string') missing.push(`${at}.${name}`);
        walk(child, `${at}.${name}`);
      }
      walk(node.items, `${at}[]`);
      walk(node.additionalProperties, `${at}.*`);
    };

    // Act
    walk(published, '$');

    // Assess
    expect(typeof (published as { $id?: unknown }).$id).toBe('string');
    expect(missing).toStrictEqual([]);
  });
});
