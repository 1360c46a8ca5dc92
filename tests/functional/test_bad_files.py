"""Files that are not what they seem get one line naming the file and what is wrong, and
exit code 2: duplicate keys, special files, huge or deeply nested documents, alias bombs,
bad ``extends:`` chains, names that are not folder names, ``--out`` paths too long."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from corridorsim.cli import main

MINI = Path(__file__).parent.parent / "scenarios" / "mini-corridor.yaml"
TEXT = MINI.read_text(encoding="utf-8")


def validate(path: Path | str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    return code, captured.err


def assert_one_line(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert err.startswith("corridorsim: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err


def mapping_keys() -> list[tuple[int, str]]:
    """(line, key) of every mapping key written on a line of its own in the test file."""
    found = []
    for number, line in enumerate(TEXT.splitlines(), start=1):
        stripped = line.split("#")[0].rstrip()
        if stripped.endswith(":") and not stripped.lstrip().startswith("-"):
            found.append((number, stripped))
    return found


@pytest.mark.parametrize(("line", "key"), mapping_keys(), ids=lambda v: str(v).strip())
def test_a_key_written_twice_names_both_lines(tmp_path, capsys, line, key):
    lines = TEXT.splitlines()
    indent = key[: len(key) - len(key.lstrip())]
    # A second copy of the key, with an empty value, right after the first block ends.
    end = line
    while end < len(lines) and (not lines[end].strip() or
                                len(lines[end]) - len(lines[end].lstrip()) > len(indent)):
        end += 1
    lines.insert(end, key + " {}")
    path = tmp_path / "dup.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, err = validate(path, capsys)
    assert_one_line(code, err, str(path), f"at line {end + 1} is already set at line {line}")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null"])
def test_a_special_file_is_never_read(tmp_path, capsys, special):
    code, err = validate(special, capsys)
    assert_one_line(code, err, "is not a regular file")
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {special}\nname: x\n", encoding="utf-8")
    code, err = validate(child, capsys)
    assert_one_line(code, err, f"{child}: extends: in '{special}'", "not a regular file")


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path, capsys):
    path = tmp_path / "huge.yaml"
    with open(path, "w", encoding="utf-8") as out:
        out.write("name: x\ndescription: '")
        out.write("x" * 11_000_000)
        out.write("'\n")
    code, err = validate(path, capsys)
    assert_one_line(code, err, "is 11.0 MB", "at most 10 MB")


@pytest.mark.parametrize("depth", [70, 1_000, 20_000])
def test_a_deeply_nested_document_is_one_message(tmp_path, capsys, depth):
    path = tmp_path / "deep.yaml"
    path.write_text("name: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    code, err = validate(path, capsys)
    assert_one_line(code, err, str(path))
    assert "nest" in err


def test_an_alias_bomb_is_refused_without_expanding_it(tmp_path, capsys):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\nname: *a8\n", encoding="utf-8")
    code, err = validate(path, capsys)
    assert_one_line(code, err, "more than 1,000,000 values once its aliases are expanded")
    child = tmp_path / "child.yaml"  # the same through extends: bounded after the merge
    child.write_text("extends: bomb.yaml\n", encoding="utf-8")
    code, err = validate(child, capsys)
    assert_one_line(code, err, "values once its aliases are expanded")


def test_an_extends_error_names_the_child_and_the_parent(tmp_path, capsys):
    parent = tmp_path / "parent.yaml"
    parent.write_text("name: x\nname: y\n", encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\n", encoding="utf-8")
    code, err = validate(child, capsys)
    assert_one_line(code, err, f"{child}: extends: in 'parent.yaml': {parent}:",
                    "key 'name' at line 2 is already set at line 1")


@pytest.mark.parametrize("name", ["base\n", "base\r", "a/b", "../up", "-dash", "",
                                  "x" * 101, "has space", "dot..ok.but\ttab"])
def test_a_scenario_name_must_be_a_folder_name_in_full(tmp_path, capsys, name):
    document = yaml.safe_load(TEXT)
    document["name"] = name
    path = tmp_path / "named.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    code, err = validate(path, capsys)
    assert_one_line(code, err, f"{path}: name: use up to 100 letters")


@pytest.mark.parametrize("length", [240, 300])
def test_an_out_folder_name_too_long_is_refused_before_the_run(tmp_path, capsys,
                                                               monkeypatch, length):
    monkeypatch.chdir(tmp_path)
    out = Path("results") / ("x" * length)
    code = main(["run", str(MINI), "-n", "1", "--workers", "1", "--out", str(out)])
    captured = capsys.readouterr()
    assert_one_line(code, captured.err, "bytes")
    assert captured.out == ""
    assert os.listdir(tmp_path) == []  # no empty results/ left behind


def test_a_date_yaml_cannot_read_is_one_message(tmp_path, capsys):
    path = tmp_path / "date.yaml"
    path.write_text(TEXT.replace("start_date: 2024-01-01", "start_date: 2024-13-45"),
                    encoding="utf-8")
    code, err = validate(path, capsys)
    assert_one_line(code, err, "month must be in 1..12", "quote it")
    code = main(["validate", str(MINI), "--set", "start_date=2024-13-45"])
    assert_one_line(code, capsys.readouterr().err, "start_date: expected a date")
