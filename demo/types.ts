// The demo's own vocabulary for what it found and did: a cluster's status before and after the run, with the
// non-compliant clusters that only wait for a person counted apart (AwaitingApproval), and the JSON summary line.

/** The statuses the demo counts, in the order its tables show them. */
export const DEMO_STATUSES = ['Compliant', 'NonCompliant', 'NotApplicable', 'Exempt', 'Unknown', 'RemediationFailed', 'AwaitingApproval'] as const;
export type DemoStatus = (typeof DEMO_STATUSES)[number];

/** Cluster (or finding) counts keyed by status; keys are among DEMO_STATUSES, a missing key means 0. */
export type StatusCounts = Record<string, number>;

/** What the demo found and did. Also the demo's LAST stdout line, as JSON. */
export interface DemoSummary {
  /** Path of the HTML report file. */
  report: string;
  clusters: number;
  before: StatusCounts;
  after: StatusCounts;
  /** What the store recorded for the clusters beside the fleet (extension prerequisites partly missing); the report counts them too. */
  besideFleet: StatusCounts;
  remediationsApplied: number;
  awaitingApproval: number;
  errors: number;
}
