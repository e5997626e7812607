import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { PlanModel, statusIcon } from '../src/planModel';
import { describeProposal } from '../src/protocol';

const ev = (type: string, data: Record<string, unknown>, jobId = 'j1') => ({ jobId, type, data });

test('plan steps come from PlanUpdated with status icons', () => {
  const model = new PlanModel();
  model.apply(ev('JobStarted', { testIds: ['tests/test_p.py::test_bulk'] }));
  model.apply(ev('PlanUpdated', { steps: [
    { title: 'reproduce', status: 'done' }, { title: 'localize', status: 'running' }, { title: 'validate', status: 'pending' },
  ] }));
  const [job] = model.nodes();
  assert.equal(job.label, 'tests/test_p.py::test_bulk');
  assert.equal(job.description, 'running');
  assert.equal(job.icon, 'sync~spin');
  assert.deepEqual(job.children.map((c) => [c.label, c.icon]), [
    ['reproduce', 'pass'], ['localize', 'sync~spin'], ['validate', 'circle-outline'],
  ]);
  model.apply(ev('PlanUpdated', { steps: [{ title: 'reproduce', status: 'done' }, { title: 'localize', status: 'failed' }] }));
  assert.deepEqual(model.nodes()[0].children.map((c) => c.icon), ['pass', 'error']);
});

test('tool calls, candidates and validations land under Activity', () => {
  const model = new PlanModel();
  model.apply(ev('JobStarted', { testIds: [] }));
  model.apply(ev('ToolCall', { tool: 'read_file', args: { path: 'app.py' }, call_id: 'c1' }));
  model.apply(ev('ToolResult', { tool: 'read_file', ok: true, output: 'def f():\n  pass', call_id: 'c1' }));
  model.apply(ev('CandidatesRanked', { count: 12, top: [{ id: 'k1', description: '> -> >=', energy: -1.234 }] }));
  model.apply(ev('Validation', { candidate_id: 'k1', description: '> -> >=', plausible: true, passed: 3, failed: 0, stage: 'target' }));
  model.apply(ev('Validation', { candidate_id: 'k2', description: 'x -> y', plausible: false, passed: 1, failed: 2, stage: 'regression' }));
  const activity = model.nodes()[0].children.find((c) => c.label === 'Activity')!;
  assert.equal(activity.description, '4');
  const [tool, ranked, ok, bad] = activity.children;
  assert.deepEqual([tool.label, tool.description, tool.icon], ['read_file(path=app.py)', 'def f():', 'pass']);
  assert.equal(ranked.label, '12 candidates ranked');
  assert.deepEqual(ranked.children.map((c) => [c.label, c.description]), [['> -> >=', 'energy -1.23']]);
  assert.deepEqual([ok.icon, ok.description], ['pass', 'target: 3 passed, 0 failed']);
  assert.deepEqual([bad.icon, bad.description], ['error', 'regression: 1 passed, 2 failed']);
});

test('job state follows proposal, decision, failure and cancellation', () => {
  const model = new PlanModel();
  model.apply(ev('JobQueued', { testIds: ['t'], behind: [] }));
  assert.equal(model.current()!.state, 'queued');
  model.apply(ev('JobStarted', { testIds: ['t'] }));
  model.apply(ev('ProposalReady', { proposalId: 'p1', summary: 'use >=' }));
  model.apply(ev('Done', { status: 'fixed', message: 'fixed by > -> >=' }));
  model.apply(ev('JobFinished', { state: 'finished', message: 'fixed' }));
  assert.equal(model.current()!.state, 'proposal');
  assert.equal(model.nodes()[0].description, 'fix ready for review');
  model.hunksDecided('p1', true, true);
  assert.equal(model.current()!.state, 'accepted');
  assert.equal(model.nodes()[0].description, 'fix accepted');
  model.apply(ev('JobStarted', { testIds: ['u'] }, 'j2'));
  model.apply(ev('Error', { message: 'boom', kind: 'error' }, 'j2'));
  model.apply(ev('JobFinished', { state: 'failed', message: 'boom' }, 'j2'));
  assert.deepEqual(model.nodes().map((n) => [n.id, n.icon]), [['j2', 'error'], ['j1', 'pass-filled']]);
  model.apply(ev('JobFinished', { state: 'cancelled', message: 'cancelled' }, 'j3'));
  assert.equal(model.job('j3')!.state, 'cancelled');
  assert.equal(statusIcon('cancelled'), 'circle-slash');
});

test('only the newest jobs are kept', () => {
  const model = new PlanModel(2);
  for (const id of ['a', 'b', 'c']) {
    model.apply(ev('JobStarted', { testIds: [id] }, id));
  }
  assert.deepEqual(model.all().map((j) => j.jobId), ['c', 'b']);
});

test('malformed event data does not throw', () => {
  const model = new PlanModel();
  model.apply({ jobId: 'j', type: 'PlanUpdated', data: { steps: 'nope' } });
  model.apply({ jobId: 'j', type: 'CandidatesRanked', data: {} });
  model.apply({ jobId: 'j', type: 'Unknown', data: {} });
  assert.equal(model.nodes()[0].children.find((c) => c.label === 'Activity')!.children[0].label, '0 candidates ranked');
});

test('jobs in flight when the server stops are marked cancelled', () => {
  const model = new PlanModel();
  model.apply(ev('JobStarted', { testIds: ['t'] }));
  model.apply(ev('JobStarted', { testIds: ['u'] }, 'j2'));
  model.apply(ev('ProposalReady', { proposalId: 'p', summary: 's' }, 'j2'));
  model.serverStopped();
  assert.deepEqual(model.all().map((j) => j.state), ['finished', 'cancelled']);
});

test('a proposal shows its confidence beside its summary', () => {
  const model = new PlanModel();
  model.apply(ev('JobStarted', { testIds: [] }));
  model.apply(ev('ProposalReady', { proposalId: 'p1', summary: 'line 3: `<` → `<=`', confidence: 0.734 }));
  const activity = model.nodes()[0].children.find((c) => c.label === 'Activity')!;
  assert.equal(activity.children[0].label, 'proposal: line 3: `<` → `<=` (73% confidence)');
  assert.equal(describeProposal('s', null), 's');
  assert.equal(describeProposal('s', 1.5), 's (100% confidence)');
});

test('a job without a fix says so, and the steps it never reached are skipped, not pending', () => {
  const model = new PlanModel();
  model.apply(ev('JobStarted', { testIds: ['t'] }));
  model.apply(ev('PlanUpdated', { steps: [
    { title: 'Reproduce', status: 'done' }, { title: 'Validate', status: 'running' }, { title: 'Propose a patch', status: 'pending' },
  ] }));
  model.apply(ev('Done', { status: 'no_fix', message: 'no fix, 20 of 20 tried' }));
  model.apply(ev('JobFinished', { state: 'done', message: 'no fix, 20 of 20 tried' }));
  const [job] = model.nodes();
  assert.deepEqual([job.description, job.icon], ['no fix found', 'warning']);
  assert.notEqual(job.icon, statusIcon('finished'));
  assert.deepEqual(job.children.filter((c) => c.label !== 'Activity').map((c) => [c.label, c.description]),
    [['Reproduce', 'done'], ['Validate', 'skipped'], ['Propose a patch', 'skipped']]);
});

test('accepted and rejected jobs look different; an undone accept waits for review again', () => {
  const model = new PlanModel();
  for (const [job, proposal] of [['a', 'pa'], ['r', 'pr']]) {
    model.apply(ev('JobStarted', { testIds: [job] }, job));
    model.apply(ev('ProposalReady', { proposalId: proposal, summary: 'use >=' }, job));
    model.apply(ev('JobFinished', { state: 'done' }, job));
  }
  model.hunksDecided('pa', true, false);
  assert.equal(model.job('a')!.state, 'proposal');           // a hunk still pending
  model.hunksDecided('pa', false, true);
  model.hunksDecided('pr', false, true);
  const look = Object.fromEntries(model.nodes().map((n) => [n.id, [n.description, n.icon]]));
  assert.deepEqual(look, { a: ['fix accepted', 'pass-filled'], r: ['fix rejected', 'close'] });
  model.proposalPending('pa');
  assert.equal(model.nodes().find((n) => n.id === 'a')!.description, 'fix ready for review');
});

test('candidate labels show the new code, the whole description in the tooltip', () => {
  const model = new PlanModel();
  const description = '`range(len(values) - k)` → `range(len(values) - k + 1)`';
  model.apply(ev('CandidatesRanked', { count: 1, top: [{ id: 'c1', description, energy: 0.5 }] }));
  model.apply(ev('Validation', { candidate_id: 'c1', description, plausible: true, passed: 1, failed: 0 }));
  const activity = model.nodes()[0].children.find((c) => c.label === 'Activity')!;
  const [ranked, validated] = activity.children;
  assert.deepEqual([ranked.children[0].label, ranked.children[0].tooltip], ['range(len(values) - k + 1)', description]);
  assert.deepEqual([validated.label, validated.tooltip], ['range(len(values) - k + 1)', description]);
});
