import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { applyHunks, changedSpan, hunkDecorations, locateHunk, shiftHunkStart, splitLines } from '../src/hunks';

const invoiceHunk = { oldText: '    if quantity > BULK_THRESHOLD:\n', newText: '    if quantity >= BULK_THRESHOLD:\n' };

test('splitLines drops only the final line break', () => {
  assert.deepEqual(splitLines('a\nb\n'), ['a', 'b']);
  assert.deepEqual(splitLines('a\r\nb'), ['a', 'b']);
  assert.deepEqual(splitLines('\n'), ['']);
  assert.deepEqual(splitLines(''), []);
});

test('an operator change strikes the old token and shows the new one beside it', () => {
  assert.deepEqual(changedSpan('if quantity > LIMIT:', 'if quantity >= LIMIT:'), { from: 12, to: 13, added: '>=' });
  const deco = hunkDecorations(invoiceHunk, 12);
  assert.deepEqual(deco.removed, [{ range: { start: { line: 12, character: 16 }, end: { line: 12, character: 17 } } }]);
  assert.deepEqual(deco.added, [{ at: { line: 12, character: 17 }, text: '>=' }]);
});

test('a changed identifier widens to the whole token', () => {
  const span = changedSpan('return total_price', 'return total_cost');
  assert.equal('return total_price'.slice(span.from, span.to), 'total_price');
  assert.equal(span.added, 'total_cost');
});

test('a one-token change strikes that token only, whatever surrounds it', () => {
  const old = '    return [values[i:i + k] for i in range(len(values) - k)]';
  const renamed = changedSpan(old, old.replace('- k)', '- j)'));
  assert.equal(old.slice(renamed.from, renamed.to), 'k');
  assert.equal(renamed.added, 'j');
  const grown = changedSpan(old, old.replace('range(len(values) - k)', 'range(len(values) - k + 1)'));
  assert.deepEqual(grown, { from: old.indexOf('k)]') + 1, to: old.indexOf('k)]') + 1, added: '+ 1' });
  const deco = hunkDecorations({ oldText: `${old}\n`, newText: `${old.replace('- k)', '- k + 1)')}\n` }, 3);
  assert.deepEqual(deco.removed, []);
  assert.deepEqual(deco.added, [{ at: { line: 3, character: old.indexOf('k)]') + 1 }, text: '+ 1' }]);
  const dropped = changedSpan('f(a, b)', 'f(a)');
  assert.deepEqual(['f(a, b)'.slice(dropped.from, dropped.to), dropped.added], [', b', '']);
  assert.deepEqual(changedSpan('x == "a b"', 'x == "a c"'), { from: 5, to: 10, added: '"a c"' });
});

test('unchanged lines inside a hunk get no decoration', () => {
  const deco = hunkDecorations({ oldText: 'a = 1\nb = 2\n', newText: 'a = 1\nb = 3\n' }, 4);
  assert.deepEqual(deco.removed.map((r) => r.range.start.line), [5]);
  assert.deepEqual(deco.added, [{ at: { line: 5, character: 5 }, text: '3' }]);
});

test('surplus old lines are struck whole, surplus new lines follow the last line', () => {
  const deleted = hunkDecorations({ oldText: 'x = 1\nprint(x)\n', newText: 'x = 2\n' }, 0);
  assert.deepEqual(deleted.removed.map((r) => r.range), [
    { start: { line: 0, character: 4 }, end: { line: 0, character: 5 } },
    { start: { line: 1, character: 0 }, end: { line: 1, character: 8 } },
  ]);
  const inserted = hunkDecorations({ oldText: 'x = 1\n', newText: 'x = 1\n    y = 2\nz = 3\n' }, 3);
  assert.deepEqual(inserted.removed, []);
  assert.deepEqual(inserted.added, [{ at: { line: 3, character: 5 }, text: ' ⏎ y = 2 ⏎ z = 3' }]);
  const pure = hunkDecorations({ oldText: '', newText: 'import os\n' }, 2);
  assert.deepEqual(pure.added, [{ at: { line: 2, character: 0 }, text: 'import os ⏎ ' }]);
});

test('locateHunk finds the old text where expected, else uniquely elsewhere, else gives up', () => {
  const doc = ['a', '    if quantity > BULK_THRESHOLD:', 'b'];
  assert.equal(locateHunk(doc, invoiceHunk.oldText, 1), 1);
  assert.equal(locateHunk(['new', ...doc], invoiceHunk.oldText, 1), 2);
  assert.equal(locateHunk(['a', '    if quantity >= BULK_THRESHOLD:', 'b'], invoiceHunk.oldText, 1), null);
  assert.equal(locateHunk(['x', 'x'], 'x\n', 5), null);
});

test('edits above a hunk shift it, edits below leave it, edits on it make it stale', () => {
  const at = (line: number, character = 0) => ({ line, character });
  assert.equal(shiftHunkStart(10, 1, { range: { start: at(2), end: at(2) }, text: 'import os\nimport sys\n' }), 12);
  assert.equal(shiftHunkStart(10, 1, { range: { start: at(2), end: at(5) }, text: '' }), 7);
  assert.equal(shiftHunkStart(10, 1, { range: { start: at(11), end: at(11) }, text: 'tail\n' }), 10);
  assert.equal(shiftHunkStart(10, 1, { range: { start: at(10, 4), end: at(10, 5) }, text: '>=' }), null);
  assert.equal(shiftHunkStart(10, 2, { range: { start: at(9, 3), end: at(11, 0) }, text: '' }), null);
});

test('applyHunks builds the proposed file, bottom-up so earlier hunks keep their lines', () => {
  const text = 'a\nb\nc\nd\n';
  const out = applyHunks(text, [
    { start: 1, oldText: 'b\n', newText: 'B1\nB2\n' },
    { start: 3, oldText: 'd\n', newText: 'D\n' },
  ]);
  assert.equal(out, 'a\nB1\nB2\nc\nD\n');
  assert.equal(applyHunks('x\r\ny\r\n', [{ start: 0, oldText: 'x\r\n', newText: 'X\n' }]), 'X\r\ny\r\n');
});
