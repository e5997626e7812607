import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { fromCursor, fromTestItem, isFixTestArgs, relativePosix } from '../src/fixArgs';

const uri = (fsPath: string) => ({ fsPath, toString: () => `file://${fsPath}` });

test('a Test Explorer item becomes {uri, testId} relative to the workspace folder', () => {
  const item = { id: '/ws/tests/test_p.py::TestBulk::test_at_threshold', uri: uri('/ws/tests/test_p.py') };
  assert.deepEqual(fromTestItem(item, '/ws'), { uri: 'file:///ws/tests/test_p.py', testId: 'tests/test_p.py::TestBulk::test_at_threshold' });
  assert.deepEqual(fromTestItem({ id: '/ws/tests/test_p.py', uri: uri('/ws/tests/test_p.py') }, '/ws'), { uri: 'file:///ws/tests/test_p.py' });
  assert.equal(fromTestItem({ id: 'x' }, '/ws'), undefined);
});

test('the cursor becomes {uri, position}; lens arguments pass as they are', () => {
  assert.deepEqual(fromCursor('file:///ws/t.py', { line: 3, character: 7 }), { uri: 'file:///ws/t.py', position: { line: 3, character: 7 } });
  assert.ok(isFixTestArgs({ uri: 'file:///ws/t.py', testId: 't.py::test_a' }));
  assert.ok(!isFixTestArgs({ id: 'x' }));
  assert.equal(relativePosix('/ws/', '/ws/a/b.py'), 'a/b.py');
  assert.equal(relativePosix('/ws', '/wsx/b.py'), undefined);
});
