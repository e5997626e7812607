/**
 * The one-object argument of `remedy.fixTest` (`{uri, testId?, position?}`), whichever way the
 * command was invoked: a code lens (already the right shape), the Test Explorer (a TestItem), or the
 * editor's context menu / command palette (the file and the cursor).
 */
import { Position } from './protocol';

export interface FixTestArgs { uri: string; testId?: string; position?: Position }

/** What we read from a vscode.TestItem (the Python extension's ids end in `::node::id`). */
export interface TestItemLike { id: string; uri?: { fsPath: string; toString(): string } }

/** True when `value` already is a fixTest argument object (from the server's code lens). */
export function isFixTestArgs(value: unknown): value is FixTestArgs {
  return !!value && typeof value === 'object' && typeof (value as FixTestArgs).uri === 'string';
}

/** `/ws/tests/test_a.py` under `/ws` -> `tests/test_a.py`; undefined when outside. */
export function relativePosix(root: string, file: string): string | undefined {
  const r = root.replace(/[\\/]+$/, '').replace(/\\/g, '/');
  const f = file.replace(/\\/g, '/');
  return f.startsWith(r + '/') ? f.slice(r.length + 1) : undefined;
}

export function fromTestItem(item: TestItemLike, root: string | undefined): FixTestArgs | undefined {
  if (!item.uri) {
    return undefined;
  }
  const uri = item.uri.toString();
  const sep = item.id.indexOf('::');
  const rel = root === undefined ? undefined : relativePosix(root, item.uri.fsPath);
  if (sep < 0 || rel === undefined) {
    return { uri };             // a file or folder item: the server fixes the file's failing tests
  }
  return { uri, testId: `${rel}::${item.id.slice(sep + 2)}` };
}

export function fromCursor(uri: string, position: Position): FixTestArgs {
  return { uri, position: { line: position.line, character: position.character } };
}
