// Reads infra/*.bicep with the tree-sitter-bicep grammar (the Bicep compiler cannot be installed here)
// and offers just enough structure for the infra tests: declarations, object properties, and the
// literal value of an expression when it is a literal or a variable that holds one.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { REPO_ROOT } from './paths.js';

/** The checkout's root folder (the same as paths.ts's REPO_ROOT, under the name the infra tests use). */
export const repoRoot = REPO_ROOT;
const grammarPath = path.join(repoRoot, 'node_modules', 'tree-sitter-bicep', 'tree-sitter-bicep.wasm');

let parser: Promise<Parser> | undefined;

export function bicepParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    const language = await Language.load(grammarPath);
    const created = new Parser();
    created.setLanguage(language);
    return created;
  })();
  return parser;
}

export interface BicepFile {
  /** Path relative to the repository root, with forward slashes. */
  file: string;
  source: string;
  root: Node;
}

export async function parseBicep(file: string, source: string): Promise<BicepFile> {
  const tree = (await bicepParser()).parse(source);
  if (!tree) throw new Error(`${file}: tree-sitter returned no tree`);
  return { file, source, root: tree.rootNode };
}

/** Every .bicep file under infra/, sorted, parsed. */
export async function loadInfra(): Promise<BicepFile[]> {
  const infraDir = path.join(repoRoot, 'infra');
  const files = readdirSync(infraDir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.bicep'))
    .map((name) => `infra/${name.split(path.sep).join('/')}`)
    .sort();
  return Promise.all(files.map((file) => parseBicep(file, readFileSync(path.join(repoRoot, file), 'utf8'))));
}

export function infraFile(files: BicepFile[], file: string): BicepFile {
  const found = files.find((f) => f.file === file);
  if (!found) throw new Error(`${file} is missing from infra/`);
  return found;
}

/** ERROR and MISSING nodes as "file:line:column: message", in source order. */
export function syntaxProblems(parsed: BicepFile): string[] {
  const problems: string[] = [];
  const visit = (node: Node): void => {
    if (node.isMissing || node.isError) {
      const where = `${parsed.file}:${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
      const snippet = node.text.split('\n')[0]?.slice(0, 60) ?? '';
      problems.push(node.isMissing ? `${where}: missing ${node.type}` : `${where}: cannot parse "${snippet}"`);
    }
    for (const child of node.children) visit(child);
  };
  visit(parsed.root);
  return problems;
}

function namedChildren(node: Node): Node[] {
  return node.namedChildren;
}

export function descendants(node: Node, type: string): Node[] {
  return node.descendantsOfType(type);
}

/** Top-level declarations of one kind, e.g. 'resource_declaration' or 'parameter_declaration'. */
export function declarations(parsed: BicepFile, type: string): Node[] {
  return namedChildren(parsed.root).filter((node) => node.type === type);
}

export function declarationName(declaration: Node): string {
  const name = namedChildren(declaration).find((child) => child.type === 'identifier');
  if (!name) throw new Error(`declaration without a name: ${declaration.text.slice(0, 60)}`);
  return name.text;
}

/** Decorator names (description, allowed, secure...) written above a declaration. */
export function decoratorNames(declaration: Node): string[] {
  const before = declaration.previousNamedSibling;
  if (!before || before.type !== 'decorators') return [];
  return descendants(before, 'decorator').map((decorator) => {
    const call = namedChildren(decorator)[0];
    const fn = call?.childForFieldName('function');
    return fn?.text ?? call?.text ?? '';
  });
}

/** The arguments of a decorator such as @allowed([...]) or undefined when absent. */
export function decoratorArgument(declaration: Node, name: string): Node | undefined {
  const before = declaration.previousNamedSibling;
  if (!before || before.type !== 'decorators') return undefined;
  for (const decorator of descendants(before, 'decorator')) {
    const call = namedChildren(decorator)[0];
    if (call?.childForFieldName('function')?.text !== name) continue;
    const args = call.childForFieldName('arguments');
    return args ? namedChildren(args)[0] : undefined;
  }
  return undefined;
}

/** 'Microsoft.Web/sites@2024-04-01' → the type before '@'. */
export function resourceType(resource: Node): string {
  const typeString = namedChildren(resource).find((child) => child.type === 'string');
  if (!typeString) throw new Error(`resource without a type: ${resource.text.slice(0, 60)}`);
  return typeString.text.slice(1, -1).split('@')[0] ?? '';
}

export interface ResourceBody {
  body: Node;
  /** Loop variable and iterable of `[for x in xs: {...}]`. */
  loop?: { variable: string; iterable: Node };
  condition?: Node;
}

/** The object that defines a resource or module, looking through `if (...)` and `[for ...]`. */
export function resourceBody(declaration: Node): ResourceBody {
  const value = namedChildren(declaration).at(-1);
  if (!value) throw new Error(`declaration without a body: ${declaration.text.slice(0, 60)}`);
  if (value.type === 'object') return { body: value };
  if (value.type === 'if_statement') {
    const [condition, body] = namedChildren(value);
    if (!body) throw new Error(`if without a body: ${value.text.slice(0, 60)}`);
    return condition ? { body, condition } : { body };
  }
  if (value.type === 'for_statement') {
    const body = value.childForFieldName('body');
    const initializer = value.childForFieldName('initializer');
    const parts = namedChildren(value);
    // Nodes are fresh wrappers on every access, so compare ids, not references.
    const iterable = parts.find((part) => part.id !== initializer?.id && part.id !== body?.id && part.type !== 'for_loop_parameters');
    const variable = initializer?.text ?? descendants(value, 'loop_variable')[0]?.text;
    if (!body || !iterable || !variable) throw new Error(`unexpected loop shape: ${value.text.slice(0, 60)}`);
    return { body, loop: { variable, iterable } };
  }
  throw new Error(`unexpected declaration body ${value.type}: ${value.text.slice(0, 60)}`);
}

function propertyKey(property: Node): string {
  const key = namedChildren(property)[0];
  if (!key) return '';
  return key.type === 'string' ? key.text.slice(1, -1) : key.text;
}

/** Keys of an object literal, in order. */
export function objectKeys(object: Node): string[] {
  return namedChildren(object)
    .filter((child) => child.type === 'object_property')
    .map(propertyKey);
}

/** Value node of `key: value` in an object literal. */
export function property(object: Node, key: string): Node | undefined {
  const found = namedChildren(object).find((child) => child.type === 'object_property' && propertyKey(child) === key);
  return found ? namedChildren(found).at(-1) : undefined;
}

/** Follows a path of keys through nested object literals. */
export function propertyPath(object: Node, ...keys: string[]): Node | undefined {
  let current: Node | undefined = object;
  for (const key of keys) {
    if (!current || current.type !== 'object') return undefined;
    current = property(current, key);
  }
  return current;
}

export function arrayElements(array: Node): Node[] {
  return namedChildren(array);
}

export function callArguments(call: Node): Node[] {
  const args = call.childForFieldName('arguments');
  return args ? namedChildren(args) : [];
}

export type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal };

const escapes: Record<string, string> = { "\\'": "'", '\\\\': '\\', '\\n': '\n', '\\r': '\r', '\\t': '\t', '\\$': '$' };

/**
 * Literal values of `var` declarations across all files (imports keep their names here), so an
 * identifier can be followed to the literal it stands for. Non-literal variables are left out.
 */
export class Resolver {
  private readonly variables = new Map<string, { file: string; node: Node }[]>();
  private readonly resolving = new Set<string>();

  constructor(files: BicepFile[]) {
    for (const parsed of files) {
      for (const declaration of declarations(parsed, 'variable_declaration')) {
        const node = namedChildren(declaration).at(-1);
        if (!node) continue;
        const name = declarationName(declaration);
        this.variables.set(name, [...(this.variables.get(name) ?? []), { file: parsed.file, node }]);
      }
    }
  }

  private variable(name: string): Literal | undefined {
    const candidates = this.variables.get(name);
    if (!candidates || this.resolving.has(name)) return undefined;
    this.resolving.add(name);
    try {
      const values = candidates.map(({ node }) => this.literal(node));
      const first = values[0];
      if (values.some((value) => JSON.stringify(value) !== JSON.stringify(first))) {
        throw new Error(`variable ${name} holds different values in ${candidates.map((c) => c.file).join(' and ')}`);
      }
      return first;
    } finally {
      this.resolving.delete(name);
    }
  }

  /** The value of a literal expression, or undefined when it depends on something only ARM knows. */
  literal(node: Node): Literal | undefined {
    switch (node.type) {
      case 'string': {
        let text = '';
        for (const part of namedChildren(node)) {
          if (part.type === 'string_content') text += part.text;
          else if (part.type === 'escape_sequence') text += escapes[part.text] ?? part.text;
          else if (part.type === 'interpolation') {
            const inner = namedChildren(part)[0];
            const value = inner ? this.literal(inner) : undefined;
            if (typeof value !== 'string') return undefined;
            text += value;
          } else return undefined;
        }
        return text;
      }
      case 'number':
        return Number(node.text);
      case 'boolean':
        return node.text === 'true';
      case 'null':
        return null;
      case 'array': {
        const values = namedChildren(node)
          .filter((element) => element.type !== 'comment')
          .map((element) => this.literal(element));
        return values.every((value) => value !== undefined) ? values : undefined;
      }
      case 'object': {
        const result: { [key: string]: Literal } = {};
        for (const entry of namedChildren(node)) {
          if (entry.type === 'comment') continue;
          if (entry.type !== 'object_property') return undefined;
          const valueNode = namedChildren(entry).at(-1);
          const value = valueNode ? this.literal(valueNode) : undefined;
          if (value === undefined) return undefined;
          result[propertyKey(entry)] = value;
        }
        return result;
      }
      case 'identifier':
        return this.variable(node.text);
      case 'call_expression': {
        // concat() of arrays that are themselves literal, as names.bicep lists are combined in the modules.
        if (node.childForFieldName('function')?.text !== 'concat') return undefined;
        const parts = callArguments(node).map((argument) => this.literal(argument));
        if (parts.length === 0 || !parts.every((part): part is Literal[] => Array.isArray(part))) return undefined;
        return parts.flat();
      }
      case 'member_expression': {
        const object = node.childForFieldName('object');
        const key = node.childForFieldName('property')?.text;
        const value = object ? this.literal(object) : undefined;
        if (key === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
        return value[key];
      }
      default:
        return undefined;
    }
  }

  /** A string expression with every resolvable interpolation filled in and the rest kept as ${...}. */
  template(node: Node): string | undefined {
    if (node.type !== 'string') return undefined;
    let text = '';
    for (const part of namedChildren(node)) {
      if (part.type === 'string_content') text += part.text;
      else if (part.type === 'escape_sequence') text += escapes[part.text] ?? part.text;
      else if (part.type === 'interpolation') {
        const inner = namedChildren(part)[0];
        const value = inner ? this.literal(inner) : undefined;
        text += typeof value === 'string' ? value : `\${${inner?.text ?? ''}}`;
      }
    }
    return text;
  }

  strings(node: Node): string[] | undefined {
    const value = this.literal(node);
    return Array.isArray(value) && value.every((v): v is string => typeof v === 'string') ? value : undefined;
  }
}

/** Resources (and their bodies) of a given type across files, e.g. 'Microsoft.Authorization/roleAssignments'. */
export function resourcesOfType(files: BicepFile[], type: string): { file: string; name: string; declaration: Node; body: ResourceBody }[] {
  return files.flatMap((parsed) =>
    declarations(parsed, 'resource_declaration')
      .filter((declaration) => resourceType(declaration).toLowerCase() === type.toLowerCase())
      .map((declaration) => ({ file: parsed.file, name: declarationName(declaration), declaration, body: resourceBody(declaration) })),
  );
}

/** The value, or a thrown error naming what is missing: the infra tests' way to narrow a type (expect does not). */
export function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}
