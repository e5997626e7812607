"""`remedy bench --report DIR`: `report.html` with PNG plots (matplotlib, no display needed) and
`results.jsonl`, one run per line. Plots: fixes per configuration, the ECDFs of validations and of
seconds until the first plausible patch, fix rates per bug kind, and pass@k over rollouts."""
from __future__ import annotations

import html
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from ..errors import BadInput
from .case_run import CaseRun

__all__ = ["write_report", "FIGURES", "REPORT_MISSING"]

REPORT_MISSING = "--report needs matplotlib: pip install 'remedy[scale]' (or pip install matplotlib)"
FIGURES = ("fixes.png", "validations_ecdf.png", "seconds_ecdf.png", "kinds.png", "pass_at_k.png")


def write_report(folder: Path, runs: Sequence[CaseRun], summary: dict, title: str) -> Path:
    """Write the report into `folder` (created); returns report.html's path."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise BadInput(REPORT_MISSING) from None
    folder.mkdir(parents=True, exist_ok=True)
    labels = list(summary)
    by_label = {label: [r for r in runs if r.ranker == label] for label in labels}
    _save(plt, folder / "fixes.png", lambda ax: _fixes(ax, by_label))
    _save(plt, folder / "validations_ecdf.png",
          lambda ax: _ecdf(ax, by_label, "to_first", "validations until the first plausible patch"))
    _save(plt, folder / "seconds_ecdf.png",
          lambda ax: _ecdf(ax, by_label, "seconds_to_first", "seconds until the first plausible patch"))
    _save(plt, folder / "kinds.png", lambda ax: _kinds(ax, by_label), tall=True)
    _save(plt, folder / "pass_at_k.png", lambda ax: _pass_at_k(ax, summary))
    _write(folder / "results.jsonl", "".join(json.dumps(asdict(r)) + "\n" for r in runs))
    page = folder / "report.html"
    _write(page, _html(title, summary))
    return page


def _save(plt, path: Path, draw, tall: bool = False) -> None:
    fig, ax = plt.subplots(figsize=(6.2, 4.6 if tall else 3.8), dpi=100)
    draw(ax)
    fig.tight_layout()
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".png")
    os.close(fd)
    fig.savefig(tmp, format="png")
    plt.close(fig)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _fixes(ax, by_label: dict[str, list[CaseRun]]) -> None:
    labels = list(by_label)
    xs = range(len(labels))
    plausible = [sum(r.plausible for r in rs) / max(1, len({(r.rollout) for r in rs})) for rs in by_label.values()]
    exact = [sum(r.exact for r in rs) / max(1, len({(r.rollout) for r in rs})) for rs in by_label.values()]
    ax.bar([x - 0.2 for x in xs], plausible, width=0.4, label="plausible")
    ax.bar([x + 0.2 for x in xs], exact, width=0.4, label="same as the reference fix")
    cases = max((len({r.case for r in rs}) for rs in by_label.values()), default=0)
    ax.axhline(cases, color="grey", linewidth=0.8, linestyle="--", label=f"{cases} cases")
    ax.set_xticks(list(xs), labels, rotation=20, ha="right")
    ax.set_ylabel("fixes (mean over rollouts)")
    ax.set_title("Fixes per configuration")
    ax.legend(loc="lower right")


def _ecdf(ax, by_label: dict[str, list[CaseRun]], field: str, what: str) -> None:
    from matplotlib.ticker import FuncFormatter

    for label, rs in by_label.items():
        values = sorted(getattr(r, field) for r in rs if r.plausible and getattr(r, field) is not None)
        if not values:
            continue
        total = len(rs)
        ax.step([values[0]] + values, [0.0] + [(i + 1) / total for i in range(len(values))], where="post",
                label=label)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda x, _: ""))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(what + " (log scale)")
    ax.set_ylabel("share of runs fixed by then")
    ax.set_title("ECDF: " + what)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")


def _kinds(ax, by_label: dict[str, list[CaseRun]]) -> None:
    kinds = sorted({r.kind or "(no kind)" for rs in by_label.values() for r in rs})
    height = 0.8 / max(1, len(by_label))
    for i, (label, rs) in enumerate(by_label.items()):
        rates = []
        for kind in kinds:
            of_kind = [r for r in rs if (r.kind or "(no kind)") == kind]
            rates.append(sum(r.plausible for r in of_kind) / len(of_kind) if of_kind else 0.0)
        ax.barh([k + i * height for k in range(len(kinds))], rates, height=height, label=label)
    ax.set_yticks([k + 0.4 - height / 2 for k in range(len(kinds))], kinds, fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_xlabel("fix rate")
    ax.set_title("Fix rate per bug kind")
    ax.legend(loc="lower right", fontsize=8)


def _pass_at_k(ax, summary: dict) -> None:
    drew = False
    for label, s in summary.items():
        figures = s.get("rollouts")
        if figures:
            ks = [int(k) for k in figures["pass_at_k"]]
            ax.plot(ks, [figures["pass_at_k"][str(k)] for k in ks], marker="o", label=label)
            drew = True
        else:
            ax.plot([1], [s["plausible_rate"]], marker="o", label=f"{label} (1 rollout)")
    ax.set_xlabel("k (rollouts)")
    ax.set_ylabel("pass@k")
    ax.set_ylim(0, 1.02)
    ax.set_title("pass@k" + ("" if drew else " (run --rollouts N for the curve)"))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")


def _html(title: str, summary: dict) -> str:
    rows = []
    for label, s in summary.items():
        ci = s.get("median_validations_to_first_ci90")
        extra = s.get("rollouts") or {}
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (
            label, s["cases"], s["runs"], s["plausible"], s["exact"], f"{s['plausible_rate']:.0%}",
            s["median_seconds"], s["median_validations_to_first"], f"{ci[0]:g}–{ci[1]:g}" if ci else "n/a",
            ", ".join(f"pass@{k} {v:.2f}" for k, v in extra.get("pass_at_k", {}).items()) or "—")) + "</tr>")
    figures = "\n".join(f'<figure><img src="{name}" alt="{name[:-4].replace("_", " ")}">'
                        f"<figcaption>{name[:-4].replace('_', ' ')}</figcaption></figure>" for name in FIGURES)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 2em; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
figure {{ display: inline-block; margin: 0 1em 1em 0; }}
img {{ max-width: 620px; border: 1px solid #eee; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<table><tr><th>configuration</th><th>cases</th><th>runs</th><th>plausible</th><th>exact</th><th>rate</th>
<th>median s</th><th>median validations to first</th><th>90% interval</th><th>rollouts</th></tr>
{chr(10).join(rows)}
</table>
{figures}
<p>Every run: <a href="results.jsonl">results.jsonl</a>.</p>
</body></html>
"""


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
