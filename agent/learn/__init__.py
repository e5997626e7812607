"""`remedy learn`: the project's own git history as training data (issue 23). Fix commits
(`history.fix_commits`) are replayed on their parent revision: the engine's candidates at the
changed lines are rebuilt and ranked, the one that makes the human change is labelled accepted
(`mine.mine_fix`), and the set goes into the learning store as source "history"; each fix's edit
shape is counted, so the recurring ones stand out (`remedy learn --json` lists them)."""
from .history import FixCommit, fix_commits
from .mine import Mined, mine_fix
from .run import LearnReport, learn

__all__ = ["FixCommit", "fix_commits", "Mined", "mine_fix", "LearnReport", "learn"]
