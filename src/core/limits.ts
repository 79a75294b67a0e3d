// Limits on the documents every edge reads (cluster and extension JSON, baselines in JSON or YAML, events, HTTP
// bodies), checked before parsing where the text is at hand: a document past them is bad input naming the limit,
// never a "Maximum call stack size exceeded" from deep inside a parser. docs/reliability.md ("Input limits") says why
// each is as large as it is.

export const INPUT_LIMITS = {
  /** Characters in one document. A cluster with its extensions is tens of kilobytes; ARM caps a request body at 4 MB. */
  maxDocumentCharacters: 4 * 1024 * 1024,
  /** Levels of nested objects and arrays. ARM bodies and baselines nest about ten deep. */
  maxNestingDepth: 64,
  /** Alias expansions in one YAML document (the `yaml` package's maxAliasCount), against "billion laughs" documents. */
  maxYamlAliases: 100,
} as const;

/** The problem with the document's size, or undefined. */
export function sizeProblem(text: string): string | undefined {
  const max = INPUT_LIMITS.maxDocumentCharacters;
  return text.length > max ? `is too large: ${text.length} characters, at most ${max} are read` : undefined;
}

const DEPTH_PROBLEM = `nests deeper than ${INPUT_LIMITS.maxNestingDepth} levels of objects and arrays, the most that is read`;

/**
 * The problem with JSON text's size or nesting, or undefined; counted on the text, outside strings, without parsing.
 * Also bounds a YAML document's flow collections (`[[[...` and `{{{...`), which nest the same way.
 */
export function jsonTextProblem(text: string): string | undefined {
  const tooLarge = sizeProblem(text);
  if (tooLarge) return tooLarge;
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"') quote = c;
    else if (c === '[' || c === '{') {
      depth += 1;
      if (depth > INPUT_LIMITS.maxNestingDepth) return DEPTH_PROBLEM;
    } else if (c === ']' || c === '}') depth -= 1;
  }
  return undefined;
}

/**
 * The problem with YAML text's size or nesting, or undefined. Flow collections count like JSON (a quoted scalar may
 * make this count a bracket that is text: the count is an upper bound); block collections by their indentation levels
 * and the `- ` entries that open a sequence on the same line.
 */
export function yamlTextProblem(text: string): string | undefined {
  const tooLarge = sizeProblem(text);
  if (tooLarge) return tooLarge;
  let flow = 0;
  const indents: number[] = [];
  for (const line of text.split(/\r?\n/)) {
    const content = line.trimStart();
    if (content === '' || content.startsWith('#')) continue;
    const indent = line.length - content.length;
    while (indents.length > 0 && (indents.at(-1) ?? 0) >= indent) indents.pop();
    indents.push(indent);
    const dashes = /^(?:-\s+)*/.exec(content)?.[0].replace(/\s+/g, '').length ?? 0;
    for (const c of content) {
      if (c === '[' || c === '{') flow += 1;
      else if (c === ']' || c === '}') flow -= 1;
    }
    const depth = indents.length + dashes + Math.max(flow, 0);
    if (depth > INPUT_LIMITS.maxNestingDepth) return DEPTH_PROBLEM;
  }
  return undefined;
}

/** Whether a parsed value (an SDK model, a decoded body) nests deeper than the limit; iterative, so it cannot overflow. */
export function valueDepthProblem(value: unknown): string | undefined {
  // Two parallel stacks rather than a pair per value: this runs on every ARM read, and the pairs were most of its garbage.
  const values: unknown[] = [value];
  const depths: number[] = [1];
  const seen = new Set<object>();
  while (values.length > 0) {
    const current = values.pop();
    const depth = depths.pop() as number;
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    if (depth > INPUT_LIMITS.maxNestingDepth) return DEPTH_PROBLEM;
    seen.add(current);
    for (const key in current) {
      const child: unknown = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
      if (typeof child !== 'object' || child === null) continue;
      values.push(child);
      depths.push(depth + 1);
    }
  }
  return undefined;
}
