"""What a user reads in the editor's log (VS Code's Output, Neovim's lsp.log: the server's stderr,
which its engine children share) after a whole session over the real server: "Fix this test",
a proposal, accept, "Fix this test" outside any test, shutdown. None of it may read as a crash:
no "Fatal Python error", no RuntimeWarning, no destroyed pending task, no traceback; and the
messages the user sees name project paths, never the scratch copy's."""
from __future__ import annotations

import shutil
from pathlib import Path

from raw_lsp import RawClient

FIXTURE = Path(__file__).parent / "fixtures" / "lsp_ws"
TEST_FILE, SOURCE_FILE = "tests/test_ranges.py", "calc/ranges.py"
CRASH_SIGNS = ("Fatal Python error", "_enter_buffered_busy", "RuntimeWarning",
               "Task was destroyed but it is pending", "Traceback", "remedy-sbx-")
SETTINGS = {"engine": "builtin", "timeBudget": 120}


def test_a_whole_session_leaves_a_clean_log(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", ".remedy"))
    # A test that fails with a path in its message: the message must name the project's file.
    (root / "tests" / "test_data.py").write_text(
        "import os\n\n\ndef test_reads_its_data():\n"
        "    open(os.path.join(os.path.dirname(__file__), 'missing.csv'))\n")
    edits = []

    def answer(request):
        if request["method"] == "workspace/configuration":
            return [{"remedy": SETTINGS}] * len(request["params"]["items"])
        if request["method"] == "workspace/applyEdit":
            edits.append(request["params"])
            return {"applied": True}
        return None

    client = RawClient(root, tmp_path / "server.stderr", capabilities={"workspace": {"applyEdit": True}},
                       options={"remedy": SETTINGS}, answer=answer)
    try:
        test_uri = (root / TEST_FILE).as_uri()
        data_uri = (root / "tests" / "test_data.py").as_uri()
        started = client.request("fix", "workspace/executeCommand", {
            "command": "remedy.fixTest",
            "arguments": [{"uri": test_uri, "testId": f"{TEST_FILE}::test_in_range_includes_upper_bound"}]})
        assert "jobId" in started["result"], started
        proposal = client.notification("remedy/proposal", 240)
        client.notification("remedy/event", 60, lambda p: p["type"] == "JobFinished")
        accepted = client.request("accept", "workspace/executeCommand", {
            "command": "remedy.acceptHunk",
            "arguments": [{"proposalId": proposal["proposalId"], "hunkId": proposal["hunks"][0]["id"]}]})
        assert accepted["result"]["applied"] is True and len(edits) == 1

        refused = client.request("outside", "workspace/executeCommand", {
            "command": "remedy.fixTest", "arguments": [{"uri": test_uri, "position": {"line": 0, "character": 0}}]})
        assert refused["error"]["code"] == -32602 and "not inside a test" in refused["error"]["message"]

        second = client.request("data", "workspace/executeCommand", {
            "command": "remedy.fixTest", "arguments": [{"uri": data_uri}]})
        job = second["result"]["jobId"]
        client.notification("remedy/event", 240, lambda p: p["jobId"] == job and p["type"] == "JobFinished")
        client.close()
    finally:
        client.stop()

    said = [n["params"] for n in client.notifications]
    text = repr(said)
    assert "remedy-sbx-" not in text
    assert "'tests/missing.csv'" in text        # the failure as the user knows the file
    log = (tmp_path / "server.stderr").read_text()
    for sign in CRASH_SIGNS:
        assert sign not in log, f"{sign!r} in the server's log:\n{log[-4000:]}"
