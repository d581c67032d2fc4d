"""Which Chromium is driven, and what is said when there is none. Launching it for real is what the
browser tests and the Figure 1 PNG test do."""

import subprocess
import sys

import pytest

from bnviz import chromium


def test_bnviz_chromium_names_the_executable(tmp_path, monkeypatch):
    exe = tmp_path / "my-chromium"
    exe.write_text("")
    monkeypatch.setenv("BNVIZ_CHROMIUM", str(exe))
    assert chromium.executable() == str(exe)
    # A wrong explicit path is reported as missing, not silently replaced by another browser.
    monkeypatch.setenv("BNVIZ_CHROMIUM", str(tmp_path / "absent"))
    assert chromium.executable() is None


def test_without_override_the_executable_is_found_on_path(tmp_path, monkeypatch):
    monkeypatch.delenv("BNVIZ_CHROMIUM", raising=False)
    exe = tmp_path / "chromium-browser"
    exe.write_text("")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert chromium.executable() == str(exe)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert chromium.executable() is None


def test_launch_without_chromium_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("BNVIZ_CHROMIUM", str(tmp_path / "absent"))
    with pytest.raises(RuntimeError, match="apt-get install chromium"), chromium.launch():
        pass


def test_importing_the_core_leaves_playwright_out():
    code = (
        "import sys, bnviz.chromium, bnviz.figure1.export\nassert 'playwright' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
