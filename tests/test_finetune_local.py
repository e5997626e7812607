"""`remedy finetune --local`: a LoRA adapter trained with peft on a tiny random checkpoint built in
the test (the one tests/test_llm_local_hf.py builds), from the sft export of a real fix run; then
the local backend loads base + adapter, directly and through `remedy fix --model ADAPTER`."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("peft")
pytest.importorskip("transformers")
pytest.importorskip("xgrammar")

from conftest import REPO, remedy_json, run_remedy  # noqa: E402
from fakes.openai_server import FakeOpenAI  # noqa: E402
from test_llm_local_hf import build_checkpoint  # noqa: E402

BUGGY = "def add(a, b):\n    return a - b\n"
STEPS = [("list_files", {"rel_dir": "."}), ("edit", {"path": "calc.py", "old_text": "a - b", "new_text": "a + b"}),
         ("run_tests", {}), ("finish", {"summary": "add() now adds", "changes": "calc.py"})]


def make_project(root: Path) -> Path:
    root.mkdir()
    (root / "calc.py").write_text(BUGGY)
    (root / "test_calc.py").write_text("from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n")
    return root


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, Path]:
    home = tmp_path_factory.mktemp("lora")
    project = make_project(home / "proj")
    with FakeOpenAI([{"tool_calls": [{"name": n, "arguments": a}]} for n, a in STEPS]) as llm:
        code, out, err = remedy_json("fix", "--root", str(project), "--engine", "llm", "--base-url", llm.base_url,
                                     "--model", "fake-model")
    assert out["status"] == "fixed", err
    sft = home / "sft.jsonl"
    assert run_remedy("export", "sft", "--root", str(project), "--out", str(sft)).returncode == 0
    checkpoint = build_checkpoint(home / "tiny-qwen")
    adapter = home / "adapter"
    code, result, err = remedy_json("finetune", "--local", str(checkpoint), "--file", str(sft), "--out", str(adapter),
                                    "--epochs", "3", "--lora-r", "4")
    assert code == 0 and result["status"] == "trained", (result, err)
    return {"checkpoint": checkpoint, "adapter": adapter, "sft": sft, "result": result, "home": home}


def test_the_adapter_folder_is_whole_and_names_its_base(trained) -> None:
    adapter, result = trained["adapter"], trained["result"]
    config = json.loads((adapter / "adapter_config.json").read_text())
    assert Path(config["base_model_name_or_path"]) == trained["checkpoint"].resolve()
    assert config["r"] == 4 and config["peft_type"] == "LORA"
    assert (adapter / "adapter_model.safetensors").stat().st_size > 0
    assert (adapter / "tokenizer_config.json").is_file()
    assert result["examples"] == 1 and result["steps"] == 3 and result["loss_last"] < result["loss_first"]
    assert not [p for p in adapter.parent.iterdir() if p.name.startswith(".adapter.")]   # no leftovers


def test_local_hf_loads_base_plus_adapter_and_the_adapter_changes_the_output(trained) -> None:
    import torch
    from peft import PeftModel

    from agent.llm.local_hf import LocalHFModel

    tuned = LocalHFModel(trained["adapter"], max_new_tokens=16)
    base = LocalHFModel(trained["checkpoint"], max_new_tokens=16)
    assert isinstance(tuned.model, PeftModel) and tuned.adapter == trained["adapter"]
    assert base.adapter is None and not isinstance(base.model, PeftModel)
    lora_b = [p for n, p in tuned.model.named_parameters() if "lora_B" in n]
    assert lora_b and any(float(p.abs().sum()) > 0 for p in lora_b)        # trained: B left zero-init
    ids = base.tokenizer("def add(a, b):", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        assert not torch.allclose(tuned.model(input_ids=ids).logits, base.model(input_ids=ids).logits)
    explicit = LocalHFModel(trained["checkpoint"], adapter=trained["adapter"], max_new_tokens=16)
    with torch.no_grad():
        assert torch.allclose(explicit.model(input_ids=ids).logits, tuned.model(input_ids=ids).logits)


def test_remedy_fix_runs_the_adapter(trained, tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    code, out, err = remedy_json("fix", "--root", str(project), "--engine", "llm", "--model", str(trained["adapter"]),
                                 "--max-steps", "2", "--no-reflection", "--time-budget", "20", timeout=600)
    assert f"with LoRA adapter {trained['adapter']}" in err
    assert out["status"] in ("fixed", "no_fix") and code in (0, 1), (out, err)
    [trace] = [json.loads(p.read_text()) for p in (project / ".remedy" / "traces").glob("*.jsonl")]
    assert trace["env"]["model"] == str(trained["adapter"]) and trace["usage"]["completion_tokens"] > 0


def test_bad_input_is_one_line(trained, tmp_path: Path) -> None:
    plain = tmp_path / "no-template"                    # a checkpoint whose tokenizer has no chat template
    shutil.copytree(trained["checkpoint"], plain)
    (plain / "chat_template.jinja").unlink(missing_ok=True)
    config = json.loads((plain / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (plain / "tokenizer_config.json").write_text(json.dumps(config))
    cases = [
        (("--local", str(plain), "--file", str(trained["sft"]), "--out", str(tmp_path / "a")),
         "cannot render a conversation"),
        (("--local", str(tmp_path / "none"), "--file", str(trained["sft"]), "--out", str(tmp_path / "a")),
         "no Hugging Face checkpoint"),
        (("--local", str(trained["checkpoint"]), "--file", str(trained["sft"])), "--out ADAPTER"),
        (("--local", str(trained["checkpoint"]), "--file", str(trained["sft"]), "--out", str(trained["adapter"])),
         "already exists"),
        (("--local", str(trained["checkpoint"]), "--kind", "dpo", "--out", str(tmp_path / "a")), "sft lines"),
    ]
    for args, words in cases:
        code, out, err = remedy_json("finetune", *args)
        assert code == 2 and words in out["message"], out
        assert err.strip().splitlines() == [f"remedy: error: {out['message']}"]


def test_without_peft_it_names_the_extra_to_install(trained, tmp_path: Path) -> None:
    # a peft that cannot be imported, ahead of the real one on the path
    (tmp_path / "shadow" / "peft").mkdir(parents=True)
    (tmp_path / "shadow" / "peft" / "__init__.py").write_text("raise ImportError('No module named peft')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "shadow"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.run([sys.executable, "-m", "agent.cli", "finetune", "--local", str(trained["checkpoint"]),
                           "--file", str(trained["sft"]), "--out", str(tmp_path / "a")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "remedy: error: remedy finetune --local needs peft and transformers: pip install 'remedy[local]'"]
