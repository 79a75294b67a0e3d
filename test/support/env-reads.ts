// Finds environment variables that TypeScript source reads by literal name, so the settings test can
// catch code that reads a setting src/config.ts does not declare.

export interface EnvRead {
  name: string;
  file: string;
  line: number;
}

const READS: RegExp[] = [
  /process\.env\.([A-Za-z_$][\w$]*)/g,
  /process\.env\[\s*(?:'([^']+)'|"([^"]+)"|`([^`$]+)`)\s*\]/g,
  /(?<![.\w$])env\[\s*(?:'([^']+)'|"([^"]+)"|`([^`$]+)`)\s*\]/g,
  /(?<![.\w$])env\.([A-Z][A-Z0-9_]*)\b/g,
];
const DESTRUCTURING = /\b(?:const|let|var)\s*\{([^}]*)\}\s*=\s*process\.env\b/g;

/** Blank out comments (keeping line breaks) so prose that mentions process.env.X is not a read. */
function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '))
    .replace(/^(\s*)\/\/.*$/gm, (_line, indent: string) => indent);
}

function lineOf(source: string, index: number): number {
  return source.slice(0, index).split('\n').length;
}

export function findEnvReads(source: string, file: string): EnvRead[] {
  const code = withoutComments(source);
  const reads: EnvRead[] = [];
  for (const pattern of READS) {
    for (const match of code.matchAll(pattern)) {
      const name = match.slice(1).find((group) => group !== undefined);
      if (name) reads.push({ name, file, line: lineOf(code, match.index) });
    }
  }
  for (const match of code.matchAll(DESTRUCTURING)) {
    for (const entry of (match[1] ?? '').split(',')) {
      const name = entry.split(/[:=]/)[0]?.trim().replace(/^['"]|['"]$/g, '');
      if (name && !name.startsWith('...')) reads.push({ name, file, line: lineOf(code, match.index) });
    }
  }
  return reads.sort((a, b) => a.line - b.line);
}
