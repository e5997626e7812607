import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { checkInterpreter, readOutcome } from '../src/preflight';

const REPO = path.resolve(__dirname, '..', '..');
const PYTHON = process.env.REMEDY_PYTHON || path.join(REPO, '.venv', 'bin', 'python');
const env = { ...process.env, PYTHONPATH: REPO };

test('an interpreter with Remedy installed passes the check', async () => {
  assert.equal(await checkInterpreter(PYTHON, REPO, env), undefined);
});

test('a missing interpreter is named as missing, with nothing to install into', async () => {
  const unfit = await checkInterpreter(path.join(os.tmpdir(), 'no-such-dir', 'python'), REPO, env);
  assert.deepEqual([unfit?.problem, unfit?.installable], ['was not found', false]);
});

test('an interpreter without the dependencies names the first missing module', async () => {
  // the same interpreter without its site-packages: the standard library only
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remedy-preflight-'));
  const bare = path.join(dir, 'python');
  fs.writeFileSync(bare, `#!/bin/sh\nexec "${PYTHON}" -S "$@"\n`, { mode: 0o755 });
  try {
    const unfit = await checkInterpreter(bare, REPO, env);
    assert.ok(unfit?.installable);
    assert.match(unfit!.problem, /^has no module named '(lsprotocol|pygls)' \(Remedy's dependencies are not installed there\)$/);
    assert.match(unfit!.detail, /ModuleNotFoundError/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('other failures keep their last line; timeouts and spawn errors say so', () => {
  assert.equal(readOutcome({ code: 1, stderr: 'Traceback...\n  File "x"\nSyntaxError: invalid syntax\n' })?.problem,
    "cannot import Remedy's server: SyntaxError: invalid syntax");
  assert.equal(readOutcome({ code: null, timedOut: true, stderr: '' })?.problem, 'did not answer within 60 s');
  assert.equal(readOutcome({ code: null, spawnError: 'EACCES', stderr: '' })?.problem, 'cannot be run (EACCES)');
  assert.equal(readOutcome({ code: 0, stderr: 'a warning' }), undefined);
});
