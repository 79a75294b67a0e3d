// Checks report data before anything is rendered, so a bad field fails loudly instead of drawing a wrong chart.
import { REPORT_STATUSES, TIMELINE_OUTCOMES, type ReportData } from './types.js';

const KNOWN_STATUSES: ReadonlySet<string> = new Set(REPORT_STATUSES);
const KNOWN_OUTCOMES: ReadonlySet<string> = new Set(TIMELINE_OUTCOMES);

/** Throws one Error listing every field that is wrong (by its path, e.g. `timeline[3].atMs`). */
export function assertValidReportData(data: ReportData): void {
  const problems: string[] = [];
  const text = (path: string, value: unknown): void => {
    if (typeof value !== 'string') problems.push(`${path} must be a string (got ${describe(value)})`);
  };
  const count = (path: string, value: unknown): void => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) problems.push(`${path} must be a whole number ≥ 0 (got ${describe(value)})`);
  };
  const millis = (path: string, value: unknown): void => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) problems.push(`${path} must be a finite number of milliseconds ≥ 0 (got ${describe(value)})`);
  };
  const counts = (path: string, value: unknown): void => {
    if (!isRecord(value)) {
      problems.push(`${path} must be an object of status counts (got ${describe(value)})`);
      return;
    }
    for (const [status, n] of Object.entries(value)) {
      if (!KNOWN_STATUSES.has(status)) problems.push(`${path}.${status} is not a known status (expected one of ${REPORT_STATUSES.join(', ')})`);
      count(`${path}.${status}`, n);
    }
  };
  const list = (path: string, value: unknown): unknown[] => {
    if (Array.isArray(value)) return value;
    problems.push(`${path} must be an array (got ${describe(value)})`);
    return [];
  };

  if (!isRecord(data)) throw new Error(`Report data must be an object (got ${describe(data)})`);
  text('title', data.title);
  text('generatedAt', data.generatedAt);
  if (typeof data.generatedAt === 'string' && Number.isNaN(Date.parse(data.generatedAt))) problems.push(`generatedAt must be an ISO 8601 timestamp (got "${data.generatedAt}")`);
  if (!isRecord(data.fleet)) problems.push(`fleet must be an object (got ${describe(data.fleet)})`);
  else {
    count('fleet.clusters', data.fleet.clusters);
    count('fleet.subscriptions', data.fleet.subscriptions);
    if (typeof data.fleet.seed !== 'number' || !Number.isFinite(data.fleet.seed)) problems.push(`fleet.seed must be a number (got ${describe(data.fleet.seed)})`);
    const rate: unknown = data.fleet.faultRate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) problems.push(`fleet.faultRate must be a fraction between 0 and 1 (got ${describe(rate)})`);
    text('fleet.baseline', data.fleet.baseline);
  }
  millis('durationMs', data.durationMs);

  if (!isRecord(data.summary)) problems.push(`summary must be an object (got ${describe(data.summary)})`);
  else {
    text('summary.report', data.summary.report);
    count('summary.clusters', data.summary.clusters);
    counts('summary.before', data.summary.before);
    counts('summary.after', data.summary.after);
    count('summary.remediationsApplied', data.summary.remediationsApplied);
    count('summary.awaitingApproval', data.summary.awaitingApproval);
    count('summary.errors', data.summary.errors);
  }

  list('byRule', data.byRule).forEach((row, i) => {
    const path = `byRule[${i}]`;
    if (!isRecord(row)) {
      problems.push(`${path} must be an object (got ${describe(row)})`);
      return;
    }
    text(`${path}.ruleId`, row.ruleId);
    counts(`${path}.before`, row.before);
    counts(`${path}.after`, row.after);
  });

  list('timeline', data.timeline).forEach((row, i) => {
    const path = `timeline[${i}]`;
    if (!isRecord(row)) {
      problems.push(`${path} must be an object (got ${describe(row)})`);
      return;
    }
    millis(`${path}.atMs`, row.atMs);
    for (const key of ['clusterId', 'clusterName', 'stepId', 'action'] as const) text(`${path}.${key}`, row[key]);
    if (typeof row.outcome !== 'string' || !KNOWN_OUTCOMES.has(row.outcome)) problems.push(`${path}.outcome must be one of ${TIMELINE_OUTCOMES.join(', ')} (got ${describe(row.outcome)})`);
  });

  list('awaitingApproval', data.awaitingApproval).forEach((row, i) => {
    const path = `awaitingApproval[${i}]`;
    if (!isRecord(row)) {
      problems.push(`${path} must be an object (got ${describe(row)})`);
      return;
    }
    for (const key of ['clusterId', 'clusterName', 'stepId', 'ruleId', 'action', 'httpCall', 'cliCommand'] as const) text(`${path}.${key}`, row[key]);
  });

  list('reactions', data.reactions).forEach((row, i) => {
    const path = `reactions[${i}]`;
    if (!isRecord(row)) {
      problems.push(`${path} must be an object (got ${describe(row)})`);
      return;
    }
    for (const key of ['clusterId', 'clusterName', 'drift', 'eventId'] as const) text(`${path}.${key}`, row[key]);
    millis(`${path}.changedAtMs`, row.changedAtMs);
    millis(`${path}.recordedAtMs`, row.recordedAtMs);
    if (row.fixedAtMs !== undefined) millis(`${path}.fixedAtMs`, row.fixedAtMs);
    millis(`${path}.recordedMs`, row.recordedMs);
    if (row.fixedMs !== undefined) millis(`${path}.fixedMs`, row.fixedMs);
    millis(`${path}.reactionMs`, row.reactionMs);
  });

  list('phases', data.phases).forEach((row, i) => {
    const path = `phases[${i}]`;
    if (!isRecord(row)) {
      problems.push(`${path} must be an object (got ${describe(row)})`);
      return;
    }
    text(`${path}.name`, row.name);
    millis(`${path}.startedAtMs`, row.startedAtMs);
    millis(`${path}.endedAtMs`, row.endedAtMs);
    if (typeof row.startedAtMs === 'number' && typeof row.endedAtMs === 'number' && row.endedAtMs < row.startedAtMs) problems.push(`${path} ends (${row.endedAtMs} ms) before it starts (${row.startedAtMs} ms)`);
  });

  if (problems.length > 0) throw new Error(`Report data is invalid:\n- ${problems.join('\n- ')}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  // JSON.stringify gives undefined for functions and symbols, whatever its declared type says.
  const json = (JSON.stringify(value) as string | undefined) ?? typeof value;
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

