/**
 * Pure logic of the inline review: where a hunk sits in the current text, which ranges to strike
 * through and which new text to show beside them, how edits move a hunk, and the proposed file
 * for the diff editor. Columns are UTF-16 code units, as in LSP and in JavaScript strings.
 */
import { HunkPayload, Position, Range } from './protocol';

/** A stretch of the current text shown as removed. */
export interface Removal { range: Range }
/** New text shown in green right after `at`. */
export interface Addition { at: Position; text: string }
export interface HunkDecorations { removed: Removal[]; added: Addition[] }

/** Text change as vscode reports it (TextDocumentContentChangeEvent). */
export interface TextChange { range: Range; text: string }

/** "a\nb\n" -> ["a", "b"]; "a\r\nb" -> ["a", "b"]; "" -> []. */
export function splitLines(text: string): string[] {
  if (text === '') {
    return [];
  }
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}

/** Python's tokens, roughly: names and numbers, strings, multi-character operators, one space run. */
const TOKEN = /[A-Za-z_0-9\u00C0-\uFFFF]+(?:\.[0-9]+)?|"(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?|\*\*=?|\/\/=?|<<=?|>>=?|->|:=|[-+*/%@&|^<>=!]=|\s+|./g;

export function tokens(line: string): string[] {
  return line.match(TOKEN) ?? [];
}

/**
 * The part of `oldLine` that differs from `newLine`, at token level: `>` -> `>=` strikes `>` and
 * shows `>=` (never a lone `=`), `n - k` -> `n - k + 1` strikes nothing and shows `+ 1`, a renamed
 * identifier is struck whole. `from`..`to` is the struck stretch (empty for a pure insertion, which
 * goes at `to`); `added` is the new text shown there, without its surrounding spaces.
 */
export function changedSpan(oldLine: string, newLine: string): { from: number; to: number; added: string } {
  const a = tokens(oldLine);
  const b = tokens(newLine);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) {
    head++;
  }
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) {
    tail++;
  }
  const length = (ts: string[]) => ts.reduce((n, t) => n + t.length, 0);
  let from = length(a.slice(0, head));
  let to = oldLine.length - length(a.slice(a.length - tail));
  // spaces at the edges of the struck stretch belong to the unchanged text around it
  while (from < to && /\s/.test(oldLine[from])) {
    from++;
  }
  while (to > from && /\s/.test(oldLine[to - 1])) {
    to--;
  }
  const added = b.slice(head, b.length - tail).join('').trim();
  return { from, to, added };
}

/**
 * Decorations for a hunk whose old text starts at line `start`: paired lines get a token-level
 * strike + insertion; surplus old lines are struck whole; surplus new lines are shown, joined with
 * ⏎, after the hunk's last line (or at the insertion point for a pure insertion).
 */
export function hunkDecorations(hunk: Pick<HunkPayload, 'oldText' | 'newText'>, start: number): HunkDecorations {
  const oldLines = splitLines(hunk.oldText);
  const newLines = splitLines(hunk.newText);
  const removed: Removal[] = [];
  const added: Addition[] = [];
  const paired = Math.min(oldLines.length, newLines.length);
  for (let i = 0; i < paired; i++) {
    if (oldLines[i] === newLines[i]) {
      continue;
    }
    const span = changedSpan(oldLines[i], newLines[i]);
    const line = start + i;
    if (span.to > span.from) {
      removed.push({ range: { start: { line, character: span.from }, end: { line, character: span.to } } });
    }
    if (span.added) {
      added.push({ at: { line, character: span.to }, text: span.added });
    }
  }
  for (let i = paired; i < oldLines.length; i++) {
    const line = start + i;
    removed.push({ range: { start: { line, character: 0 }, end: { line, character: oldLines[i].length } } });
  }
  if (newLines.length > paired) {
    const extra = newLines.slice(paired).map((l) => l.trim()).join(' ⏎ ');
    if (oldLines.length > 0) {
      const last = oldLines.length - 1;
      added.push({ at: { line: start + last, character: oldLines[last].length }, text: ` ⏎ ${extra}` });
    } else {
      added.push({ at: { line: start, character: 0 }, text: `${extra} ⏎ ` });
    }
  }
  return { removed, added };
}

const sameLines = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The line where the hunk's old text starts in `docLines`: at `expected` when it is still there,
 * else the one other place it appears; `null` when it is gone or ambiguous (the hunk is stale, or
 * was applied). A pure insertion has nothing to check and stays at `expected`.
 */
export function locateHunk(docLines: string[], oldText: string, expected: number): number | null {
  const old = splitLines(oldText);
  if (old.length === 0) {
    return expected >= 0 && expected <= docLines.length ? expected : null;
  }
  const at = (i: number) => i >= 0 && i + old.length <= docLines.length && sameLines(docLines.slice(i, i + old.length), old);
  if (at(expected)) {
    return expected;
  }
  const spots: number[] = [];
  for (let i = 0; i + old.length <= docLines.length; i++) {
    if (at(i)) {
      spots.push(i);
    }
  }
  return spots.length === 1 ? spots[0] : null;
}

/**
 * Where a hunk spanning lines [start, start + length) starts after `change`: shifted by the lines
 * the change added or removed above it, unchanged for changes below, `null` when the change
 * touches the hunk's own lines.
 */
export function shiftHunkStart(start: number, length: number, change: TextChange): number | null {
  const end = start + length;
  if (change.range.end.line < start) {
    const added = splitLines(change.text + 'x').length - 1;
    return start + added - (change.range.end.line - change.range.start.line);
  }
  if (change.range.start.line >= end && (length > 0 || change.range.start.line > start)) {
    return start;
  }
  return null;
}

/** The text with every hunk applied (each at its given start line): the diff editor's right side. */
export function applyHunks(text: string, hunks: { start: number; oldText: string; newText: string }[]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r\n|\n/);
  const ordered = [...hunks].sort((a, b) => b.start - a.start);
  for (const h of ordered) {
    const replacement = splitLines(h.newText);
    lines.splice(h.start, splitLines(h.oldText).length, ...replacement);
  }
  return lines.join(eol);
}
