"""codeLens and codeAction latency while a repair job runs on the same server.

Starts `python -m server` over stdio on a copy of tests/fixtures/lsp_ws, starts "Fix this test",
and while the job runs sends codeLens and codeAction requests back to back, timing each round trip.
Prints p50/p99 per request kind (target: p99 under 50 ms). A figure printer, not a timed test:

    .venv/bin/python bench/lsp_latency.py [--seconds 15]
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "lsp_ws"
TEST_FILE = "tests/test_ranges.py"
TEST_ID = "tests/test_ranges.py::test_in_range_includes_upper_bound"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def measure(seconds: float) -> dict[str, list[float]]:
    root = Path(tempfile.mkdtemp(prefix="remedy-bench-")) / "ws"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", ".remedy"))
    client = LanguageClient("bench", "0")
    finished: list[str] = []
    client.feature("remedy/event")(lambda ls, p: finished.append(p.jobId) if p.type == "JobFinished" else None)
    client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)(lambda ls, p: None)
    await client.start_io(sys.executable, "-m", "server")
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True)),
        root_uri=root.as_uri(), workspace_folders=[types.WorkspaceFolder(root.as_uri(), "ws")]))
    client.initialized(types.InitializedParams())
    uri = (root / TEST_FILE).as_uri()
    text = (root / TEST_FILE).read_text()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    doc = types.TextDocumentIdentifier(uri=uri)
    whole = types.Range(types.Position(0, 0), types.Position(len(text.splitlines()), 0))
    diagnostic = types.Diagnostic(range=types.Range(types.Position(3, 4), types.Position(3, 38)),
                                  message="assert False", source="remedy", data={"testId": TEST_ID})
    started = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="remedy.fixTest", arguments=[{"uri": uri, "testId": TEST_ID}]))
    job_id = started["jobId"]
    timings: dict[str, list[float]] = {"codeLens": [], "codeAction": []}
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and job_id not in finished:
        t0 = time.perf_counter()
        await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))
        t1 = time.perf_counter()
        await client.text_document_code_action_async(types.CodeActionParams(
            text_document=doc, range=whole, context=types.CodeActionContext(diagnostics=[diagnostic])))
        t2 = time.perf_counter()
        timings["codeLens"].append((t1 - t0) * 1000)
        timings["codeAction"].append((t2 - t1) * 1000)
        await asyncio.sleep(0.01)
    timings["job_still_running"] = [float(job_id not in finished)]
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    shutil.rmtree(root.parent, ignore_errors=True)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="how long to measure (job permitting)")
    args = parser.parse_args()
    timings = asyncio.run(measure(args.seconds))
    print(f"requests measured while the repair job ran (job still running at the end: "
          f"{bool(timings.pop('job_still_running')[0])})")
    for kind, values in timings.items():
        if not values:
            print(f"{kind:11s} no samples")
            continue
        print(f"{kind:11s} n={len(values):4d}  p50={statistics.median(values):6.2f} ms  "
              f"p99={percentile(values, 0.99):6.2f} ms  max={max(values):6.2f} ms")


if __name__ == "__main__":
    main()
