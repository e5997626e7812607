"""A background fix in a client that knows only standard LSP (raw JSON-RPC over the real server's
stdio, real watchdog, real engine): a file broken on disk gets a proposal that the client hears of
through a plain `window/showMessage` (never a `window/showMessageRequest`, which some clients turn
into a modal prompt), an Information diagnostic on the lines it changes, and the code actions
"Remedy: apply fix" / "Remedy: reject fix" there, which apply it through `workspace/applyEdit`."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from raw_lsp import RawClient

FIXTURE = Path(__file__).parent / "fixtures" / "lsp_watch_ws"
SETTINGS = {"engine": "builtin", "timeBudget": 120, "watch": {"enabled": True, "autoRepair": True}}
REPAIR_WAIT = 300.0

pytestmark = pytest.mark.slow


def test_a_background_fix_is_announced_and_applied_with_standard_lsp(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", ".remedy"))
    edits = []

    def answer(request):
        if request["method"] == "workspace/configuration":
            return [{"remedy": SETTINGS}] * len(request["params"]["items"])
        if request["method"] == "workspace/applyEdit":
            edits.append(request["params"]["edit"])
            return {"applied": True}
        return None

    client = RawClient(root, tmp_path / "server.stderr", options={"remedy": SETTINGS}, answer=answer,
                       capabilities={"workspace": {"applyEdit": True, "configuration": True},
                                     "window": {"showDocument": {"support": True}}})
    try:
        client.notification("window/logMessage", 60, lambda p: p["message"].startswith("Remedy: watching"))
        source = root / "shop" / "prices.py"
        source.write_text(source.read_text().replace("a + b", "a - b"))
        uri = source.as_uri()

        said = client.notification("window/showMessage", REPAIR_WAIT,
                                   lambda p: "a fix for test_total waits for review" in p["message"])
        assert "shop/prices.py:" in said["message"] and "Remedy: apply fix" in said["message"]
        shown = client.notification("textDocument/publishDiagnostics", 30, lambda p: p["uri"] == uri and any(
            d.get("code") == "proposed-fix" for d in p["diagnostics"]))
        diagnostic = next(d for d in shown["diagnostics"] if d.get("code") == "proposed-fix")
        buggy = source.read_text().splitlines().index("    return a - b")
        assert diagnostic["severity"] == 3 and diagnostic["range"]["start"]["line"] == buggy
        assert "- " + "    return a - b" in diagnostic["message"] and "+ " in diagnostic["message"]
        methods = [r["method"] for r in client.requests]
        assert "window/showMessageRequest" not in methods and "window/showDocument" not in methods

        actions = client.request("actions", "textDocument/codeAction", {
            "textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": []}})
        by_title = {a["title"]: a for a in actions["result"]}
        assert {"Remedy: apply fix", "Remedy: reject fix"} <= set(by_title)
        apply = by_title["Remedy: apply fix"]["command"]
        since = len(client.notifications)
        applied = client.request("apply", "workspace/executeCommand",
                                 {"command": apply["command"], "arguments": apply["arguments"]})
        assert applied["result"]["applied"] is True and len(edits) == 1
        assert "a - b" in source.read_text()                     # the editor applies, Remedy never
        cleared = client.notification("textDocument/publishDiagnostics", 30, lambda p: p["uri"] == uri and not any(
            d.get("code") == "proposed-fix" for d in p["diagnostics"]), since)
        assert cleared is not None
        client.close()
    finally:
        client.stop()
