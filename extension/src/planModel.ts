/**
 * Pure model of the plan view: folds `remedy/event` notifications into per-job state and lays it
 * out as tree nodes (the vscode TreeDataProvider in planView.ts only renders them).
 */
import { describeProposal, RemedyEvent } from './protocol';

/**
 * A job's state as the view shows it. `finished`: ended with nothing to review (already passing);
 * `no-fix`: ended without a fix; `accepted` / `rejected`: its proposal was decided (accepted when
 * any hunk was).
 */
export type JobState = 'queued' | 'running' | 'proposal' | 'finished' | 'no-fix' | 'accepted' | 'rejected'
  | 'failed' | 'cancelled';

const DESCRIPTION: Record<JobState, string> = {
  queued: 'queued', running: 'running', proposal: 'fix ready for review', finished: 'finished',
  'no-fix': 'no fix found', accepted: 'fix accepted', rejected: 'fix rejected', failed: 'failed', cancelled: 'cancelled',
};

export interface Step { title: string; status: string }

export interface Activity {
  label: string;
  description?: string;
  tooltip?: string;
  icon: string;
  callId?: string;
  children?: Activity[];
}

export interface Job {
  jobId: string;
  testIds: string[];
  state: JobState;
  steps: Step[];
  activity: Activity[];
  message: string;
  proposalId?: string;
  /** Done's status: fixed, no_fix, already_passing, error. */
  outcome?: string;
  /** Some hunk of its proposal was accepted. */
  accepted?: boolean;
}

export interface TreeNode {
  id: string;
  label: string;
  description?: string;
  /** The whole text, where the label is shortened to fit the view. */
  tooltip?: string;
  /** A codicon id, e.g. "pass" or "sync~spin". */
  icon: string;
  children: TreeNode[];
}

/** Codicon for a step or job status. */
export function statusIcon(status: string): string {
  switch (status) {
    case 'done': case 'finished': return 'pass';
    case 'accepted': return 'pass-filled';
    case 'rejected': return 'close';
    case 'no-fix': return 'warning';
    case 'running': return 'sync~spin';
    case 'failed': return 'error';
    case 'skipped': case 'cancelled': return 'circle-slash';
    case 'proposal': return 'lightbulb';
    case 'queued': return 'watch';
    default: return 'circle-outline';
  }
}

const str = (v: unknown, d = '') => (typeof v === 'string' ? v : v === undefined || v === null ? d : String(v));
const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0) || 0);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** A candidate's description ("`old` → `new`") as a label that fits: the new code; the whole in the tooltip. */
function candidateLabel(description: string): { label: string; tooltip?: string } {
  const arrow = description.lastIndexOf(' → ');
  if (arrow < 0) {
    return { label: description };
  }
  return { label: description.slice(arrow + 3).replace(/^`|`$/g, ''), tooltip: description };
}

function briefArgs(args: Record<string, unknown>): string {
  const text = Object.entries(args).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}

export class PlanModel {
  private readonly jobs = new Map<string, Job>();
  private order: string[] = [];
  constructor(private readonly keep = 5) {}

  job(jobId: string): Job | undefined {
    return this.jobs.get(jobId);
  }

  /** The newest job first. */
  all(): Job[] {
    return [...this.order].reverse().map((id) => this.jobs.get(id)!);
  }

  current(): Job | undefined {
    return this.all()[0];
  }

  private ensure(jobId: string): Job {
    let job = this.jobs.get(jobId);
    if (!job) {
      job = { jobId, testIds: [], state: 'queued', steps: [], activity: [], message: '' };
      this.jobs.set(jobId, job);
      this.order.push(jobId);
      while (this.order.length > this.keep) {
        this.jobs.delete(this.order.shift()!);
      }
    }
    return job;
  }

  /** Fold one `remedy/event` into the model. */
  apply(event: RemedyEvent): Job {
    const job = this.ensure(event.jobId);
    const d = obj(event.data);
    switch (event.type) {
      case 'JobQueued':
        job.testIds = arr(d.testIds).map((t) => str(t));
        job.state = 'queued';
        break;
      case 'JobStarted':
        job.testIds = arr(d.testIds).map((t) => str(t));
        job.state = 'running';
        break;
      case 'PlanUpdated':
        job.steps = arr(d.steps).map((s) => ({ title: str(obj(s).title), status: str(obj(s).status, 'pending') }));
        break;
      case 'TestsRan': {
        const failed = arr(d.failed);
        const passed = arr(d.passed);
        job.activity.push({
          label: `${str(d.purpose, 'tests')}: ${failed.length} failing, ${passed.length} passing`,
          icon: failed.length ? 'testing-failed-icon' : 'testing-passed-icon',
          children: failed.map((f) => ({ label: str(obj(f).testId), description: str(obj(f).message), icon: 'error' })),
        });
        break;
      }
      case 'Localized': {
        const lines = arr(d.lines).map(obj);
        job.activity.push({
          label: `localized: ${lines.length} suspicious line${lines.length === 1 ? '' : 's'}`,
          icon: 'search',
          children: lines.slice(0, 5).map((l) => ({
            label: `${str(l.path)}:${str(l.line)}`, description: num(l.score).toFixed(2), icon: 'location',
          })),
        });
        break;
      }
      case 'CandidatesRanked': {
        const top = arr(d.top).map(obj);
        job.activity.push({
          label: `${num(d.count)} candidates ranked`,
          icon: 'list-ordered',
          children: top.map((c) => ({
            ...candidateLabel(str(c.description) || str(c.id)),
            description: c.energy === undefined || c.energy === null ? undefined : `energy ${num(c.energy).toFixed(2)}`,
            icon: 'symbol-event',
          })),
        });
        break;
      }
      case 'Validation':
        job.activity.push({
          ...candidateLabel(str(d.description) || str(d.candidate_id)),
          description: `${str(d.stage, 'target')}: ${num(d.passed)} passed, ${num(d.failed)} failed`,
          icon: d.plausible ? 'pass' : 'error',
        });
        break;
      case 'ToolCall':
        job.activity.push({
          label: `${str(d.tool)}(${briefArgs(obj(d.args))})`, icon: 'tools', callId: str(d.call_id) || undefined,
        });
        break;
      case 'ToolResult': {
        const callId = str(d.call_id);
        const call = callId ? job.activity.find((a) => a.callId === callId) : undefined;
        const output = str(d.output).split('\n')[0].slice(0, 80);
        if (call) {
          call.icon = d.ok ? 'pass' : 'error';
          call.description = output;
        } else {
          job.activity.push({ label: `${str(d.tool)} →`, description: output, icon: d.ok ? 'pass' : 'error' });
        }
        break;
      }
      case 'Thought':
        job.activity.push({ label: str(d.text).split('\n')[0].slice(0, 100), icon: 'comment' });
        break;
      case 'ProposalReady':
        job.proposalId = str(d.proposalId) || undefined;
        job.state = 'proposal';
        job.activity.push({ label: `proposal: ${describeProposal(str(d.summary), d.confidence)}`, icon: 'lightbulb' });
        break;
      case 'Done':
        job.outcome = str(d.status);
        job.message = str(d.message) || str(d.status);
        job.activity.push({ label: `done: ${str(d.status)}`, description: str(d.message), icon: d.status === 'fixed' ? 'pass' : 'info' });
        break;
      case 'Error':
        job.activity.push({ label: str(d.message), description: str(d.kind), icon: 'error' });
        break;
      case 'JobFinished': {
        const state = str(d.state);
        job.message = str(d.message) || job.message;
        if (state === 'failed' || state === 'cancelled') {
          job.state = state;
        } else if (job.state !== 'proposal') {
          job.state = job.outcome === 'no_fix' ? 'no-fix' : job.outcome === 'error' ? 'failed' : 'finished';
        }
        // steps the job never reached are not waiting for anything any more
        job.steps = job.steps.map((st) => (st.status === 'pending' || st.status === 'running'
          ? { ...st, status: job.state === 'proposal' ? 'done' : 'skipped' } : st));
        break;
      }
      default:
        break;
    }
    return job;
  }

  /** Hunks of a proposal were accepted or rejected; `all`: none is pending any more. */
  hunksDecided(proposalId: string, accepted: boolean, all: boolean): void {
    for (const job of this.jobs.values()) {
      if (job.proposalId === proposalId) {
        job.accepted = job.accepted || accepted;
        if (all && job.state === 'proposal') {
          job.state = job.accepted ? 'accepted' : 'rejected';
        }
      }
    }
  }

  /** The server sent a proposal again (an accept was undone): it waits for review again. */
  proposalPending(proposalId: string): void {
    for (const job of this.jobs.values()) {
      if (job.proposalId === proposalId && (job.state === 'accepted' || job.state === 'rejected')) {
        job.state = 'proposal';
        job.accepted = false;
      }
    }
  }

  /** The server went away: its unfinished jobs will never finish. */
  serverStopped(): void {
    for (const job of this.jobs.values()) {
      if (job.state === 'queued' || job.state === 'running' || job.state === 'proposal') {
        job.state = job.state === 'proposal' ? 'finished' : 'cancelled';
      }
    }
  }

  /** Tree: one node per job (newest first) holding its plan steps, then what happened. */
  nodes(): TreeNode[] {
    return this.all().map((job) => {
      const steps: TreeNode[] = job.steps.map((s, i) => ({
        id: `${job.jobId}/step/${i}`, label: s.title, description: s.status, icon: statusIcon(s.status), children: [],
      }));
      const toNode = (a: Activity, path: string): TreeNode => ({
        id: path, label: a.label, description: a.description, tooltip: a.tooltip, icon: a.icon,
        children: (a.children ?? []).map((c, j) => toNode(c, `${path}/${j}`)),
      });
      const activity = job.activity.map((a, i) => toNode(a, `${job.jobId}/activity/${i}`));
      const children = activity.length
        ? [...steps, { id: `${job.jobId}/activity`, label: 'Activity', description: `${activity.length}`, icon: 'history', children: activity }]
        : steps;
      return {
        id: job.jobId,
        label: job.testIds.join(', ') || 'failing tests',
        description: DESCRIPTION[job.state],
        tooltip: job.message || undefined,
        icon: statusIcon(job.state),
        children,
      };
    });
  }
}
