/** The "Plan" tree view: the current job's plan steps and what it did, from `remedy/event`. */
import * as vscode from 'vscode';
import { PlanModel, TreeNode } from './planModel';

export const PLAN_VIEW = 'remedy.plan';

export class PlanView implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<TreeNode>;

  constructor(private readonly model: PlanModel) {
    this.view = vscode.window.createTreeView(PLAN_VIEW, { treeDataProvider: this, showCollapseAll: true });
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    return node ? node.children : this.model.nodes();
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const newest = this.model.current()?.jobId === node.id;
    const state = node.children.length === 0 ? vscode.TreeItemCollapsibleState.None
      : newest ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip ?? (node.description ? `${node.label} — ${node.description}` : node.label);
    item.iconPath = new vscode.ThemeIcon(node.icon);
    return item;
  }

  async show(): Promise<void> {
    await vscode.commands.executeCommand(`${PLAN_VIEW}.focus`);
  }

  dispose(): void {
    this.view.dispose();
    this.changed.dispose();
  }
}
