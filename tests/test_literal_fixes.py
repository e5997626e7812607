"""Wrong literals in string-handling code, fixed end to end through the real CLI: each project is
hand-made, with one wrong literal the failing test's expected value points at (issue 22, item 5)."""
from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import remedy_json


def _project(root: Path, module: str, source: str, tests: str) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    (root / "tests" / f"test_{module}.py").write_text(textwrap.dedent(tests))
    return root


def _fix(root: Path) -> tuple[dict, str]:
    code, out, err = remedy_json("fix", "--root", str(root), "--time-budget", "30")
    assert code == 0 and out["status"] == "fixed", (out, err)
    added = [ln[1:] for ln in out["patch"].splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    return out, "\n".join(added)


def test_flag_missing_its_suffix_unittest_style(tmp_path: Path):
    """A unittest `assertEqual` of two lists: the values come from unittest's own frames."""
    root = _project(tmp_path / "enc", "encode", """
        def ffmpeg_command(src, dst, codec, audio="aac"):
            return ["ffmpeg", "-hide_banner", "-i", src, "-c", codec, "-c:a", audio, dst]


        def output_name(src):
            return src.rsplit(".", 1)[0] + ".mkv"
        """, """
        import unittest

        from encode import ffmpeg_command, output_name


        class EncodeTest(unittest.TestCase):
            def test_video_codec_flag(self):
                self.assertEqual(
                    ffmpeg_command("holiday-video.mp4", "holiday-video.mkv", "libx264"),
                    ["ffmpeg", "-hide_banner", "-i", "holiday-video.mp4", "-c:v", "libx264",
                     "-c:a", "aac", "holiday-video.mkv"])

            def test_output_name(self):
                self.assertEqual(output_name("clip.mp4"), "clip.mkv")
        """)
    _, added = _fix(root)
    assert '"-c:v", codec' in added


def test_substring_check_too_short(tmp_path: Path):
    root = _project(tmp_path / "opts", "opts", """
        def parse_flags(args):
            flags = {}
            for arg in args:
                if arg.startswith("-"):
                    flags[arg[2:]] = True
                elif arg.startswith("-"):
                    for letter in arg[1:]:
                        flags[letter] = True
            return flags
        """, """
        from opts import parse_flags


        def test_long_and_short_flags():
            assert parse_flags(["--all", "-vq"]) == {"all": True, "v": True, "q": True}


        def test_long_flags():
            assert parse_flags(["--all", "--force"]) == {"all": True, "force": True}
        """)
    _, added = _fix(root)
    assert 'startswith("--")' in added


def test_separator_literal_becomes_os_sep(tmp_path: Path):
    root = _project(tmp_path / "paths", "paths", """
        import os


        def join_parts(parts):
            return "/".join(part.strip("/") for part in parts)
        """, """
        import os

        from paths import join_parts


        def test_platform_separator(monkeypatch):
            monkeypatch.setattr(os, "sep", "\\\\")
            assert join_parts(["usr", "local", "share"]) == "usr\\\\local\\\\share"


        def test_here():
            assert join_parts(["a", "b"]) == os.sep.join(["a", "b"])
        """)
    _, added = _fix(root)
    assert "os.sep.join" in added


def test_format_string_that_loses_a_word(tmp_path: Path):
    root = _project(tmp_path / "cart", "cart", """
        def summary(prices):
            total = sum(prices)
            return "{} items: {:.2f} EUR".format(len(prices), total)
        """, """
        from cart import summary


        def test_summary_names_the_cart():
            assert summary([2.5, 10.0, 4.25]) == "3 items in cart: 16.75 EUR"
        """)
    _, added = _fix(root)
    assert '"{} items in cart: {:.2f} EUR"' in added


def test_regex_class_one_character_short(tmp_path: Path):
    root = _project(tmp_path / "tags", "tags", """
        import re


        def hashtags(text):
            return re.findall(r"#([a-z0-9]+)", text.lower())
        """, """
        from tags import hashtags


        def test_tags_with_underscores():
            assert hashtags("Off to #New_York and #paris2024 today") == ["new_york", "paris2024"]


        def test_plain_tags():
            assert hashtags("#a #b") == ["a", "b"]
        """)
    _, added = _fix(root)
    assert "#([" in added and "_" in added.split("#([", 1)[1].split("]", 1)[0]
