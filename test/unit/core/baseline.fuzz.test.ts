// Fuzz tests of the baseline parser (issue 17): arbitrary text, arbitrary documents and mutations of the shipped
// baselines, in JSON and YAML, give a Baseline or the typed InvalidInputError, never another error (a YAML alias bomb
// or a deep document once ended in "unexpected error").
import { readFileSync } from 'node:fs';
import { describe, test } from '@jest/globals';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseBaseline, validateBaseline } from '../../../src/core/baseline.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { FUZZ, mutationsOf, textMutationsOf, thrownBy, expectNoneOr } from '../../support/fuzz.js';
import { repoPath } from '../../support/paths.js';

function expectBaselineOrInvalidInput(work: () => unknown): void {
  const error = thrownBy(work);
  expectNoneOr(error, InvalidInputError);
}

const shipped = JSON.parse(readFileSync(repoPath('baselines', 'examples', 'flux.json'), 'utf8')) as unknown;
/** Pieces YAML documents are made of, aliases, tags and flow collections included. */
const yamlToken = fc.constantFrom('a:', 'version: 1', 'rules:', '  ', '\n', '- ', '&x ', '*x', '[', ']', '{', '}', ', ', '"', "'", '!!binary ', '!!str ', '? ', '|', '>', '<<: *x', '---', '...', '#', 'null', '~', '1e999', '0x1F');

describe('parseBaseline under fuzzing', () => {
  test('arbitrary text, as JSON and as YAML', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expectBaselineOrInvalidInput(() => parseBaseline(text, 'fuzz.json'));
        expectBaselineOrInvalidInput(() => parseBaseline(text, 'fuzz.yaml'));
      }),
      FUZZ,
    );
  });

  test('YAML made of YAML tokens (aliases, tags, flow collections)', () => {
    fc.assert(
      fc.property(fc.array(yamlToken, { maxLength: 60 }).map((tokens) => tokens.join('')), (text) => expectBaselineOrInvalidInput(() => parseBaseline(text, 'fuzz.yaml'))),
      FUZZ,
    );
  });

  test('arbitrary JSON documents', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (document) => {
        expectBaselineOrInvalidInput(() => parseBaseline(JSON.stringify(document), 'fuzz.json'));
        expectBaselineOrInvalidInput(() => validateBaseline(document));
      }),
      FUZZ,
    );
  });

  test('mutated values of a shipped baseline', () => {
    fc.assert(
      fc.property(mutationsOf(shipped), (document) => {
        expectBaselineOrInvalidInput(() => parseBaseline(JSON.stringify(document), 'fuzz.json'));
        expectBaselineOrInvalidInput(() => parseBaseline(stringify(document), 'fuzz.yaml'));
      }),
      FUZZ,
    );
  });

  test('mutated text of a shipped baseline, JSON and YAML', () => {
    const json = JSON.stringify(shipped, null, 2);
    const yaml = stringify(shipped);
    fc.assert(
      fc.property(textMutationsOf(json), textMutationsOf(yaml), (jsonText, yamlText) => {
        expectBaselineOrInvalidInput(() => parseBaseline(jsonText, 'fuzz.json'));
        expectBaselineOrInvalidInput(() => parseBaseline(yamlText, 'fuzz.yaml'));
      }),
      FUZZ,
    );
  });
});
