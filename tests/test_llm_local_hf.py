"""local_hf: a tiny random Qwen2 model and a byte-level BPE tokenizer built inside the test, saved
as a checkpoint folder and loaded through the backend. Random weights are the weakest possible
model: with xgrammar constraining decoding, every tool call must still parse and validate."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

pytest.importorskip("transformers")
pytest.importorskip("xgrammar")

from agent.llm.budget import fit_schema  # noqa: E402
from agent.agent_loop.protocols import ToolSpec, make_protocol  # noqa: E402
from agent.agent_loop.tools import default_tools  # noqa: E402

RUNS = 20


def build_checkpoint(folder: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    corpus = ['{"tool": "list_files", "args": {"rel_dir": "."}}', "def add(a, b):\n    return a + b\n",
              '{"tool": "edit", "args": {"path": "calc.py", "symbol": "add"}}'] * 40
    tok.train_from_iterator(corpus, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    fast.chat_template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
                          "{% endfor %}<|im_start|>assistant\n")
    config = Qwen2Config(vocab_size=len(fast), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=8192,
                         eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id)
    torch.manual_seed(1234)
    Qwen2ForCausalLM(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def local_model(tmp_path_factory):
    from agent.llm.local_hf import LocalHFModel
    folder = build_checkpoint(tmp_path_factory.mktemp("tiny-qwen"))
    return LocalHFModel(folder, max_new_tokens=320, seed=7)


def test_every_tool_call_parses_and_validates(local_model) -> None:
    tools = default_tools()
    specs = [ToolSpec(t.name, t.description, t.schema) for t in tools]
    schemas = {t.name: t.schema for t in tools}
    messages = [{"role": "system", "content": "Fix the bug."}, {"role": "user", "content": "test_add fails"}]
    valid, names = 0, set()
    for run in range(RUNS):
        protocol = make_protocol("native" if run % 2 else "json", specs)
        request = protocol.request(messages, temperature=1.0)     # sample: a different call each run
        reply = local_model.complete(request)
        actions = protocol.actions(reply)
        assert len(actions) == 1 and actions[0].error is None, (reply, actions)
        jsonschema.validate(actions[0].args, schemas[actions[0].name])
        valid += 1
        names.add(actions[0].name)
    assert valid == RUNS
    assert len(names) >= 2          # sampling really explored the union, not one memorized call


def test_fit_schema_narrows_and_stays_valid_under_the_original() -> None:
    schema = next(t.schema for t in default_tools() if t.name == "write_file")
    narrow = fit_schema(schema, 300)
    content = narrow["properties"]["content"]
    assert content["maxLength"] < 100 and content["pattern"].endswith(f",{content['maxLength'] - 1}}}$")
    sample = {"path": "a.py", "content": "x = 1\n"}
    jsonschema.validate(sample, narrow)
    jsonschema.validate(sample, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"path": "a.py", "content": "x" * 200}, narrow)


def test_reply_without_tools_is_free_text(local_model) -> None:
    from agent.llm.base import ChatRequest
    reply = local_model.complete(ChatRequest([{"role": "user", "content": "hi"}], max_tokens=8))
    assert reply.tool_calls == [] and reply.usage.completion_tokens <= 8
    assert json.dumps(reply.content)
