/**
 * Inline review of `remedy/proposal`: removed text struck through in red, new text in green beside
 * it, a "Review in diff editor" lens above the first hunk (the server's own Accept | Reject lenses
 * sit beside it). The diff editor compares two virtual documents, the file as it is now and the file
 * with the proposal, so the inline decorations never land in it; its title bar holds Accept and
 * Reject (package.json, `resourceScheme == remedy-proposed`). Hunks follow edits to the document and
 * disappear once decided or once their text is gone; a proposal the server sends again (after an
 * undo) is pending again.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { applyHunks, changedSpan, hunkDecorations, locateHunk, shiftHunkStart, splitLines } from './hunks';
import { ClientCommand, describeProposal, HunkPayload, ProposalPayload } from './protocol';

export const PROPOSED_SCHEME = 'remedy-proposed';
/** The file as it is now, read-only: the diff editor's left side. */
export const CURRENT_SCHEME = 'remedy-current';

interface TrackedHunk { hunk: HunkPayload; start: number | null; decided: boolean }
interface Tracked { payload: ProposalPayload; hunks: TrackedHunk[] }

export interface HunkRef { proposalId: string; hunkId: string }

export class ProposalReview implements vscode.Disposable, vscode.CodeLensProvider, vscode.TextDocumentContentProvider {
  private readonly proposals = new Map<string, Tracked>();
  private readonly removedType = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('diffEditor.removedTextBackground'),
    color: new vscode.ThemeColor('errorForeground'),
    textDecoration: 'line-through',
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.deletedForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly addedType = vscode.window.createTextEditorDecorationType({
    after: {
      color: new vscode.ThemeColor('gitDecoration.addedResourceForeground'),
      backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
      margin: '0 0 0 0.4em',
      fontWeight: 'bold',
    },
  });
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly contentChanged = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.contentChanged.event;
  private readonly pendingChanged = new vscode.EventEmitter<number>();
  /** Fires with the number of proposals still waiting for a decision. */
  readonly onDidChangePending = this.pendingChanged.event;
  private readonly disposables: vscode.Disposable[];

  constructor() {
    this.disposables = [
      this.removedType, this.addedType, this.lensesChanged, this.contentChanged, this.pendingChanged,
      vscode.workspace.onDidChangeTextDocument((e) => this.documentChanged(e)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.render()),
      vscode.workspace.onDidOpenTextDocument((doc) => {
        this.relocate(doc);
        this.changed();
      }),
      vscode.languages.registerCodeLensProvider({ scheme: 'file' }, this),
      vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, this),
      vscode.workspace.registerTextDocumentContentProvider(CURRENT_SCHEME, this),
    ];
  }

  /**
   * A proposal arrived, or was sent again (its hunks the server still has pending, an undone
   * accept among them): track its hunks where the documents have them now.
   */
  add(payload: ProposalPayload): void {
    const before = this.proposals.get(payload.proposalId);
    const hunks = payload.hunks.map((hunk) => {
      const old = before?.hunks.find((t) => t.hunk.id === hunk.id);
      return { hunk, start: old && old.start !== null ? old.start : hunk.range.start.line, decided: false };
    });
    this.proposals.set(payload.proposalId, { payload, hunks });
    for (const doc of vscode.workspace.textDocuments) {
      this.relocate(doc);
    }
    this.changed();
  }

  /** The server decided every hunk of the proposal except `stillPending`. */
  settle(proposalId: string, stillPending: string[]): void {
    const tracked = this.proposals.get(proposalId);
    if (!tracked) {
      return;
    }
    for (const t of tracked.hunks) {
      t.decided = !stillPending.includes(t.hunk.id);
    }
    this.changed();
  }

  /** Forget every proposal (the server that made them is gone). */
  clear(): void {
    this.proposals.clear();
    this.changed();
  }

  pendingCount(): number {
    return [...this.proposals.values()].filter((p) => this.pendingOf(p).length > 0).length;
  }

  latest(): ProposalPayload | undefined {
    const live = [...this.proposals.values()].filter((p) => this.pendingOf(p).length > 0);
    return live[live.length - 1]?.payload;
  }

  /** The pending hunk under (or else nearest to) the cursor of `editor`. */
  hunkAt(editor: vscode.TextEditor | undefined): HunkRef | undefined {
    if (!editor) {
      return undefined;
    }
    const line = editor.selection.active.line;
    const uri = editor.document.uri.toString();
    let best: { ref: HunkRef; distance: number } | undefined;
    for (const p of this.proposals.values()) {
      for (const t of this.pendingOf(p)) {
        if (t.hunk.uri !== uri || t.start === null) {
          continue;
        }
        const end = t.start + Math.max(1, splitLines(t.hunk.oldText).length);
        const distance = line < t.start ? t.start - line : line >= end ? line - end + 1 : 0;
        if (!best || distance < best.distance) {
          best = { ref: { proposalId: p.payload.proposalId, hunkId: t.hunk.id }, distance };
        }
      }
    }
    return best?.ref;
  }

  /** Bring the proposal's first hunk into view (opening its file when needed). */
  async reveal(payload: ProposalPayload): Promise<void> {
    const first = this.proposals.get(payload.proposalId)?.hunks.find((t) => !t.decided && t.start !== null);
    const uri = vscode.Uri.parse(first?.hunk.uri ?? payload.uri);
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    const editor = visible ?? await vscode.window.showTextDocument(uri, { preview: false, preserveFocus: false });
    const changed = first ? this.changedRange(first, editor.document) : new vscode.Range(0, 0, 0, 0);
    editor.selection = new vscode.Selection(changed.start, changed.end);
    editor.revealRange(changed, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    this.render();
  }

  /** The tokens a hunk changes on its first changed line (the cursor, for a pure insertion). */
  private changedRange(t: TrackedHunk, doc: vscode.TextDocument): vscode.Range {
    const oldLines = splitLines(t.hunk.oldText);
    const newLines = splitLines(t.hunk.newText);
    const i = Math.max(0, oldLines.findIndex((l, k) => l !== newLines[k]));
    const line = Math.min(t.start! + i, Math.max(0, doc.lineCount - 1));
    if (i >= oldLines.length || i >= newLines.length) {
      return new vscode.Range(line, 0, line, doc.lineAt(line).text.length);
    }
    const span = changedSpan(oldLines[i], newLines[i]);
    return new vscode.Range(line, span.from, line, span.to);
  }

  /** Open vscode.diff: the file as it is now against the file with the proposal's pending hunks. */
  async reviewInDiff(proposalId?: string): Promise<void> {
    const payload = proposalId ? this.proposals.get(proposalId)?.payload : this.latest();
    if (!payload) {
      void vscode.window.showInformationMessage('Remedy: no proposed fix is waiting for review.');
      return;
    }
    const uris = [...new Set(this.pendingOf(this.proposals.get(payload.proposalId)!).map((t) => t.hunk.uri))];
    const target = uris.includes(payload.uri) ? payload.uri : uris[0] ?? payload.uri;
    const file = vscode.Uri.parse(target);
    await vscode.workspace.openTextDocument(file);
    const current = file.with({ scheme: CURRENT_SCHEME, query: payload.proposalId });
    const proposed = file.with({ scheme: PROPOSED_SCHEME, query: payload.proposalId });
    await vscode.commands.executeCommand('vscode.diff', current, proposed,
      `${path.basename(file.fsPath)} ↔ Remedy: ${describeProposal(payload.summary, payload.confidence)}`);
  }

  /** After Accept or Reject from the diff editor's title bar: close that diff editor. */
  async closeDiff(proposalId: string): Promise<void> {
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((tab) =>
      tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === PROPOSED_SCHEME
      && tab.input.modified.query === proposalId);
    if (tabs.length) {
      await vscode.window.tabGroups.close(tabs);
    }
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const file = uri.with({ scheme: 'file', query: '' });
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
    const tracked = this.proposals.get(uri.query);
    const text = doc?.getText() ?? '';
    if (!tracked || uri.scheme === CURRENT_SCHEME) {
      return text;
    }
    const hunks = this.pendingOf(tracked)
      .filter((t) => t.hunk.uri === file.toString() && t.start !== null)
      .map((t) => ({ start: t.start!, oldText: t.hunk.oldText, newText: t.hunk.newText }));
    return applyHunks(text, hunks);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const uri = document.uri.toString();
    const lenses: vscode.CodeLens[] = [];
    for (const p of this.proposals.values()) {
      const first = this.pendingOf(p).find((t) => t.hunk.uri === uri && t.start !== null);
      if (first) {
        lenses.push(new vscode.CodeLens(new vscode.Range(first.start!, 0, first.start!, 0), {
          title: 'Review in diff editor', command: ClientCommand.reviewInDiff, arguments: [{ proposalId: p.payload.proposalId }],
        }));
      }
    }
    return lenses;
  }

  private pendingOf(p: Tracked): TrackedHunk[] {
    return p.hunks.filter((t) => !t.decided);
  }

  private documentChanged(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0) {
      return;
    }
    const uri = e.document.uri.toString();
    let touched = false;
    for (const p of this.proposals.values()) {
      for (const t of p.hunks) {
        if (t.hunk.uri !== uri || t.start === null || t.decided) {
          continue;
        }
        const length = splitLines(t.hunk.oldText).length;
        let delta = 0;
        for (const change of e.contentChanges) {
          const moved = shiftHunkStart(t.start, length, change);
          if (moved === null) {
            delta = NaN;
            break;
          }
          delta += moved - t.start;
        }
        t.start = Number.isNaN(delta) ? null : t.start + delta;
        touched = true;
      }
    }
    if (touched) {
      this.relocate(e.document);
      this.changed();
    }
  }

  /** Check every hunk of `doc` against its text; a hunk whose old text is gone is hidden. */
  private relocate(doc: vscode.TextDocument): void {
    const uri = doc.uri.toString();
    const lines = splitLines(doc.getText());
    for (const p of this.proposals.values()) {
      for (const t of p.hunks) {
        if (t.hunk.uri === uri && !t.decided) {
          t.start = t.start === null ? null : locateHunk(lines, t.hunk.oldText, t.start);
        }
      }
    }
  }

  private changed(): void {
    for (const [id, p] of this.proposals) {
      if (this.pendingOf(p).length === 0) {
        this.proposals.delete(id);
      }
    }
    this.render();
    this.lensesChanged.fire();
    for (const p of this.proposals.values()) {
      for (const uri of new Set(p.hunks.map((t) => t.hunk.uri))) {
        for (const scheme of [CURRENT_SCHEME, PROPOSED_SCHEME]) {
          this.contentChanged.fire(vscode.Uri.parse(uri).with({ scheme, query: p.payload.proposalId }));
        }
      }
    }
    this.pendingChanged.fire(this.pendingCount());
  }

  private render(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const uri = editor.document.uri.toString();
      const removed: vscode.DecorationOptions[] = [];
      const added: vscode.DecorationOptions[] = [];
      for (const p of this.proposals.values()) {
        for (const t of this.pendingOf(p)) {
          if (t.hunk.uri !== uri || t.start === null) {
            continue;
          }
          const deco = hunkDecorations(t.hunk, t.start);
          const hover = new vscode.MarkdownString(`**Remedy**: ${describeProposal(p.payload.summary, p.payload.confidence)}`);
          for (const r of deco.removed) {
            removed.push({ range: new vscode.Range(r.range.start.line, r.range.start.character, r.range.end.line, r.range.end.character), hoverMessage: hover });
          }
          for (const a of deco.added) {
            added.push({
              range: new vscode.Range(a.at.line, a.at.character, a.at.line, a.at.character),
              renderOptions: { after: { contentText: a.text } },
            });
          }
        }
      }
      editor.setDecorations(this.removedType, removed);
      editor.setDecorations(this.addedType, added);
    }
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
