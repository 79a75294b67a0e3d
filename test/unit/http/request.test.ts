// The HTTP edge's parsing (issue 17): route ids follow ARM's naming rules, bodies the document limits.
import { describe, expect, test } from '@jest/globals';
import { BadRequest, clusterIdFromRoute, parseRemediateBody } from '../../../src/http/request.js';

const SUB = '00000000-0000-0000-0000-000000000000';

function problemsOf(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof BadRequest) return error.problems;
    throw error;
  }
  throw new Error('expected BadRequest, but nothing was thrown');
}

describe('clusterIdFromRoute', () => {
  test('formats the canonical id of a valid route', () => {
    expect(clusterIdFromRoute({ subscriptionId: SUB.toUpperCase(), resourceGroup: 'rg_(1).x', clusterName: 'aks-1' })).toBe(
      `/subscriptions/${SUB}/resourceGroups/rg_(1).x/providers/Microsoft.ContainerService/managedClusters/aks-1`,
    );
  });

  const bad: [string, Record<string, string>, string[]][] = [
    ['a cluster named ..', { subscriptionId: SUB, resourceGroup: 'rg', clusterName: '..' }, ['clusterName: managed cluster name ".." is not valid: must be 1-63 letters, digits, _ and -, starting and ending with a letter or digit']],
    ['a resource group named ..', { subscriptionId: SUB, resourceGroup: '..', clusterName: 'c' }, ['resourceGroup: resource group name ".." is not valid: must be 1-90 letters, digits, _ - . ( ), not ending in a period']],
    ['a NUL in the name', { subscriptionId: SUB, resourceGroup: 'rg', clusterName: 'c\u0000' }, ['clusterName: managed cluster name "c\\u0000" is not valid: must be 1-63 letters, digits, _ and -, starting and ending with a letter or digit']],
    [
      'everything wrong at once',
      { subscriptionId: 'prod', resourceGroup: 'rg.', clusterName: 'c'.repeat(5000) },
      [
        'subscriptionId: subscription "prod" must be a subscription id (a GUID)',
        'resourceGroup: resource group name "rg." is not valid: must be 1-90 letters, digits, _ - . ( ), not ending in a period',
        expect.stringMatching(/^clusterName: managed cluster name "c{640}\.\.\." is not valid/) as unknown as string,
      ],
    ],
  ];
  test.each(bad)('refuses %s, naming the route parameter and the rule', (_name, params, problems) => {
    expect(problemsOf(() => clusterIdFromRoute(params))).toStrictEqual(problems);
  });
});

describe('parseRemediateBody and the document limits', () => {
  test('refuses a body nested past the limit before parsing it', () => {
    expect(problemsOf(() => parseRemediateBody(`{"approve": ${'['.repeat(200_000)}`))).toStrictEqual(['body: nests deeper than 64 levels of objects and arrays, the most that is read']);
  });

  test('refuses a body past the size limit', () => {
    expect(problemsOf(() => parseRemediateBody(`{"approve": ["${'x'.repeat(4 * 1024 * 1024)}"]}`))).toStrictEqual([expect.stringMatching(/^body: is too large: \d+ characters, at most 4194304 are read$/)]);
  });
});
