// Injected failures, seeded so a run reproduces. A rule matches `METHOD /path` and fires at a rate or
// by a sequence (one entry consumed per matching request; past its end the rule stays quiet).
import { type Random, pick } from './random.js';

export type FaultKind = '429' | '500' | '503' | 'reset' | 'slow' | 'lro-failed';
export const FAULT_KINDS: readonly FaultKind[] = ['429', '500', '503', 'reset', 'slow', 'lro-failed'];

export interface FaultRule {
  /**
   * Which requests: a RegExp tested against `METHOD /path` (path without query), or a string
   * `METHOD /path/pattern` where `*` is one path segment and `**` any number; METHOD may be `*`.
   * Matching is case-insensitive.
   */
  route: RegExp | string;
  kind: FaultKind;
  /** Share of matching requests that get the fault (0..1). */
  rate?: number;
  /** Per matching request in turn: true = fault (each matching rule advances on every matching request). */
  sequence?: boolean[];
  /** For `slow`: how long to hold the response (default 2000 ms). */
  delayMs?: number;
}

export interface Fault {
  kind: FaultKind;
  delayMs: number;
}

const DEFAULT_SLOW_MS = 2000;
const RANDOM_FAULT_KINDS: readonly FaultKind[] = ['500', '503', 'reset'];

interface CompiledRule {
  pattern: RegExp;
  rule: FaultRule;
  cursor: number;
}

function compile(route: RegExp | string): RegExp {
  if (route instanceof RegExp) return route;
  const [method, path] = route.trim().split(/\s+/, 2);
  if (!method || !path?.startsWith('/')) throw new Error(`fault route '${route}' must look like 'PUT /subscriptions/*/...'`);
  const escape = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const pathPattern = path
    .split('/')
    .map((segment) => (segment === '**' ? '.*' : segment.split('*').map(escape).join('[^/]*')))
    .join('/');
  return new RegExp(`^${method === '*' ? '[A-Z]+' : escape(method)} ${pathPattern}$`, 'i');
}

export function validateFaultRule(rule: FaultRule): void {
  if (!FAULT_KINDS.includes(rule.kind)) throw new Error(`fault kind '${String(rule.kind)}' is not one of ${FAULT_KINDS.join(', ')}`);
  if (rule.rate === undefined && rule.sequence === undefined) throw new Error(`fault rule for '${String(rule.route)}' needs a rate or a sequence`);
  if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) throw new Error(`fault rate must be between 0 and 1 (got ${rule.rate})`);
  if (rule.sequence !== undefined && !Array.isArray(rule.sequence)) throw new Error('fault sequence must be an array of booleans');
  if (rule.delayMs !== undefined && !(rule.delayMs >= 0)) throw new Error(`fault delayMs must be >= 0 (got ${rule.delayMs})`);
}

export class Faults {
  private rules: CompiledRule[] = [];

  constructor(
    private readonly random: Random,
    private readonly globalRate: number,
  ) {}

  set(rules: FaultRule[]): void {
    for (const rule of rules) validateFaultRule(rule);
    this.rules = rules.map((rule) => ({ pattern: compile(rule.route), rule, cursor: 0 }));
  }

  /** The fault for this request, if any. `writeStartsOperation` says whether `lro-failed` can apply. */
  pick(method: string, path: string, writeStartsOperation: boolean): Fault | undefined {
    const subject = `${method} ${path}`;
    let chosen: Fault | undefined;
    // Every matching rule takes its turn (a sequence advances) even when an earlier rule already fired.
    for (const compiled of this.rules) {
      const { rule } = compiled;
      if (rule.kind === 'lro-failed' && !writeStartsOperation) continue;
      compiled.pattern.lastIndex = 0;
      if (!compiled.pattern.test(subject)) continue;
      let fire: boolean;
      if (rule.sequence) {
        fire = rule.sequence[compiled.cursor] === true;
        compiled.cursor += 1;
      } else {
        fire = this.random() < (rule.rate ?? 0);
      }
      if (fire) chosen ??= { kind: rule.kind, delayMs: rule.delayMs ?? DEFAULT_SLOW_MS };
    }
    if (chosen) return chosen;
    if (this.globalRate > 0 && this.random() < this.globalRate) return { kind: pick(this.random, RANDOM_FAULT_KINDS), delayMs: 0 };
    return undefined;
  }
}
