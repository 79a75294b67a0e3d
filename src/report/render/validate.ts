// Checks report data before anything is rendered, so a bad field fails loudly instead of drawing a wrong chart. The
// collector builds most of it, but a section fed from outside (the demo's reaction times) comes through here too.
import { WAVE_STATES } from '../../core/index.js';
import { REMEDIATION_OUTCOMES, REPORT_STATUSES, ROLLOUT_STATES, type ReportData } from '../model.js';

const KNOWN_KEYS: ReadonlySet<string> = new Set<string>([...REPORT_STATUSES, ...REMEDIATION_OUTCOMES]);

/** Throws one Error listing every field that is wrong (by its path, e.g. `reactions.rows[3].changedAtMs`). */
export function assertValidReportData(data: ReportData): void {
  const problems: string[] = [];
  const text = (path: string, value: unknown): void => {
    if (typeof value !== 'string') problems.push(`${path} must be a string (got ${describe(value)})`);
  };
  const instant = (path: string, value: unknown): void => {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) problems.push(`${path} must be an ISO 8601 timestamp (got ${describe(value)})`);
  };
  const count = (path: string, value: unknown): void => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) problems.push(`${path} must be a whole number ≥ 0 (got ${describe(value)})`);
  };
  const millis = (path: string, value: unknown): void => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) problems.push(`${path} must be a finite number of milliseconds ≥ 0 (got ${describe(value)})`);
  };
  const counts = (path: string, value: unknown): void => {
    if (!isRecord(value)) {
      problems.push(`${path} must be an object of counts (got ${describe(value)})`);
      return;
    }
    for (const [key, n] of Object.entries(value)) {
      if (!KNOWN_KEYS.has(key)) problems.push(`${path}.${key} is not a known status (expected one of ${[...KNOWN_KEYS].join(', ')})`);
      count(`${path}.${key}`, n);
    }
  };
  const oneOf = (path: string, value: unknown, allowed: readonly string[]): void => {
    if (typeof value !== 'string' || !allowed.includes(value)) problems.push(`${path} must be one of ${allowed.join(', ')} (got ${describe(value)})`);
  };
  const list = (path: string, value: unknown): unknown[] => {
    if (Array.isArray(value)) return value;
    problems.push(`${path} must be an array (got ${describe(value)})`);
    return [];
  };
  const each = (path: string, value: unknown, check: (row: Record<string, unknown>, at: string) => void): void => {
    list(path, value).forEach((row, i) => {
      const at = `${path}[${i}]`;
      if (isRecord(row)) check(row, at);
      else problems.push(`${at} must be an object (got ${describe(row)})`);
    });
  };

  if (!isRecord(data)) throw new Error(`Report data must be an object (got ${describe(data)})`);
  text('title', data.title);
  instant('generatedAt', data.generatedAt);
  text('store', data.store);
  if (!isRecord(data.baseline)) problems.push(`baseline must be an object (got ${describe(data.baseline)})`);
  else text('baseline.label', data.baseline.label);
  if (!isRecord(data.window)) problems.push(`window must be an object (got ${describe(data.window)})`);
  else {
    instant('window.since', data.window.since);
    instant('window.until', data.window.until);
    if (typeof data.window.bucketMs !== 'number' || !(data.window.bucketMs > 0)) problems.push(`window.bucketMs must be a number of milliseconds above 0 (got ${describe(data.window.bucketMs)})`);
    if (Date.parse(data.window.since) >= Date.parse(data.window.until)) problems.push(`window.since (${data.window.since}) must be before window.until (${data.window.until})`);
  }
  count('maxRows', data.maxRows);

  if (!isRecord(data.fleet)) problems.push(`fleet must be an object (got ${describe(data.fleet)})`);
  else {
    count('fleet.clusters', data.fleet.clusters);
    count('fleet.subscriptions', data.fleet.subscriptions);
    counts('fleet.counts', data.fleet.counts);
    count('fleet.awaitingApproval', data.fleet.awaitingApproval);
  }
  each('byRule', data.byRule, (row, at) => {
    text(`${at}.ruleId`, row.ruleId);
    counts(`${at}.counts`, row.counts);
    count(`${at}.awaitingApproval`, row.awaitingApproval);
  });
  if (!isRecord(data.history)) problems.push(`history must be an object (got ${describe(data.history)})`);
  else {
    each('history.points', data.history.points, (row, at) => {
      instant(`${at}.at`, row.at);
      counts(`${at}.counts`, row.counts);
    });
    if (Array.isArray(data.history.points) && data.history.points.length < 2) problems.push('history.points must hold at least the start and now');
  }
  if (!isRecord(data.remediations)) problems.push(`remediations must be an object (got ${describe(data.remediations)})`);
  else {
    counts('remediations.byStatus', data.remediations.byStatus);
    each('remediations.buckets', data.remediations.buckets, (row, at) => {
      instant(`${at}.at`, row.at);
      count(`${at}.started`, row.started);
      counts(`${at}.ended`, row.ended);
    });
  }
  for (const section of ['approvals', 'failures', 'blocked'] as const) {
    const value: unknown = data[section];
    if (!isRecord(value)) problems.push(`${section} must be an object (got ${describe(value)})`);
    else {
      list(`${section}.rows`, value.rows);
      count(`${section}.omitted`, value.omitted);
    }
  }
  if (!isRecord(data.exemptions)) problems.push(`exemptions must be an object (got ${describe(data.exemptions)})`);
  else each('exemptions.rows', data.exemptions.rows, (row, at) => instant(`${at}.expiry`, row.expiry));

  if (data.rollouts !== undefined) {
    const rollouts = data.rollouts as unknown;
    if (!isRecord(rollouts)) problems.push(`rollouts must be an object (got ${describe(rollouts)})`);
    else {
      count('rollouts.total', rollouts.total);
      count('rollouts.omitted', rollouts.omitted);
      each('rollouts.rows', rollouts.rows, (row, at) => {
        text(`${at}.rolloutId`, row.rolloutId);
        oneOf(`${at}.state`, row.state, ROLLOUT_STATES);
        count(`${at}.failures`, row.failures);
        if (row.budget !== undefined) count(`${at}.budget`, row.budget);
        if (row.halt !== undefined) {
          if (!isRecord(row.halt)) problems.push(`${at}.halt must be an object (got ${describe(row.halt)})`);
          else {
            instant(`${at}.halt.at`, row.halt.at);
            text(`${at}.halt.by`, row.halt.by);
            text(`${at}.halt.reason`, row.halt.reason);
          }
        }
        each(`${at}.waves`, row.waves, (wave, w) => {
          text(`${w}.name`, wave.name);
          oneOf(`${w}.state`, wave.state, WAVE_STATES);
          for (const key of ['clusters', 'pending', 'running', 'succeeded', 'failed'] as const) count(`${w}.${key}`, wave[key]);
          if (wave.approvedBy !== undefined) text(`${w}.approvedBy`, wave.approvedBy);
        });
      });
    }
  }
  if (data.reactions !== undefined) {
    const reactions = data.reactions as unknown;
    if (!isRecord(reactions)) problems.push(`reactions must be an object (got ${describe(reactions)})`);
    else {
      text('reactions.title', reactions.title);
      text('reactions.lede', reactions.lede);
      millis('reactions.durationMs', reactions.durationMs);
      each('reactions.rows', reactions.rows, (row, at) => {
        for (const key of ['clusterId', 'clusterName', 'drift', 'eventId'] as const) text(`${at}.${key}`, row[key]);
        millis(`${at}.changedAtMs`, row.changedAtMs);
        millis(`${at}.recordedAtMs`, row.recordedAtMs);
        if (row.fixedAtMs !== undefined) millis(`${at}.fixedAtMs`, row.fixedAtMs);
        millis(`${at}.recordedMs`, row.recordedMs);
        if (row.fixedMs !== undefined) millis(`${at}.fixedMs`, row.fixedMs);
        millis(`${at}.reactionMs`, row.reactionMs);
      });
      each('reactions.phases', reactions.phases, (row, at) => {
        text(`${at}.name`, row.name);
        millis(`${at}.startedAtMs`, row.startedAtMs);
        millis(`${at}.endedAtMs`, row.endedAtMs);
        if (typeof row.startedAtMs === 'number' && typeof row.endedAtMs === 'number' && row.endedAtMs < row.startedAtMs) problems.push(`${at} ends (${row.endedAtMs} ms) before it starts (${row.startedAtMs} ms)`);
      });
    }
  }
  if (data.rerun !== undefined) {
    text('rerun.command', data.rerun.command);
    text('rerun.note', data.rerun.note);
  }

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
