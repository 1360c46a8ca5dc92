"""Results folders appear whole or not at all."""

from __future__ import annotations

import builtins

import pytest

from corridorsim.report import writer


def fail_on(name: str, monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    real_open = builtins.open

    def failing_open(path, *args, **kwargs):
        if str(path).endswith(name):
            raise exc
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(writer, "open", failing_open, raising=False)


def test_a_complete_folder_replaces_the_previous_one(tmp_path):
    target = tmp_path / "res"
    writer.write_folder_atomically(target, {"a.csv": "x\n1\n", "b.csv": "y\n",
                                            "manifest.json": "{}"})
    writer.write_folder_atomically(target, {"a.csv": "x\n2\n", "b.csv": "z\n",
                                            "manifest.json": "{}"})
    assert sorted(p.name for p in target.iterdir()) == ["a.csv", "b.csv", "manifest.json"]
    assert (target / "a.csv").read_text() == "x\n2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_an_interrupted_write_leaves_the_previous_results_untouched(tmp_path, monkeypatch, exc):
    target = tmp_path / "res"
    writer.write_folder_atomically(target, {"a.csv": "old\n", "manifest.json": "{}"})
    fail_on("b.csv", monkeypatch, exc)
    with pytest.raises((KeyboardInterrupt, writer.RunError)):
        writer.write_folder_atomically(target, {"a.csv": "new\n", "b.csv": "new\n",
                                                "manifest.json": "{}"})
    assert (target / "a.csv").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # no staging left behind


def test_an_interrupted_first_write_leaves_no_folder(tmp_path, monkeypatch):
    fail_on("b.csv", monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        writer.write_folder_atomically(tmp_path / "res", {"a.csv": "1\n", "b.csv": "2\n"})
    assert list(tmp_path.iterdir()) == []


def test_csv_text_leaves_missing_values_empty():
    assert writer.csv_text([{"a": 1, "b": None}], ["a", "b"]) == "a,b\n1,\n"


FILES = {"shipments.csv": "x\n", "manifest.json": "{}"}


def test_a_folder_of_other_files_is_never_replaced(tmp_path):
    target = tmp_path / "mydata"
    target.mkdir()
    (target / "forecast.xlsx").write_text("precious")
    with pytest.raises(writer.RunError, match=r"not corridorsim results.*forecast\.xlsx"):
        writer.write_folder_atomically(target, FILES)
    assert (target / "forecast.xlsx").read_text() == "precious"


def test_a_file_or_the_working_folder_is_never_replaced(tmp_path, monkeypatch):
    a_file = tmp_path / "README.md"
    a_file.write_text("keep")
    with pytest.raises(writer.RunError, match="not a folder"):
        writer.write_folder_atomically(a_file, FILES)
    (tmp_path / "manifest.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(writer.RunError, match="working folder"):
        writer.write_folder_atomically(tmp_path, FILES)
    assert a_file.read_text() == "keep"
