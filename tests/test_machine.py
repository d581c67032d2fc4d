"""The machine in words: the CPU model from /proc/cpuinfo, and what is said where there is none."""

from bnviz import machine

CPUINFO = """\
processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B13
flags\t\t: fpu vme

processor\t: 1
model name\t: AMD EPYC 7B13
"""


def test_cpu_model_is_the_model_name_line(tmp_path, monkeypatch):
    (tmp_path / "cpuinfo").write_text(CPUINFO)
    monkeypatch.setattr(machine, "CPUINFO", tmp_path / "cpuinfo")
    assert machine.cpu_model() == "AMD EPYC 7B13"


def test_cpu_model_falls_back_to_platform(tmp_path, monkeypatch):
    monkeypatch.setattr(machine.platform, "processor", lambda: "")
    monkeypatch.setattr(machine.platform, "machine", lambda: "aarch64")
    monkeypatch.setattr(machine, "CPUINFO", tmp_path / "absent")  # not Linux
    assert machine.cpu_model() == "aarch64"
    (tmp_path / "cpuinfo").write_text("processor\t: 0\nBogoMIPS\t: 50.00\n")  # ARM: no model name
    monkeypatch.setattr(machine, "CPUINFO", tmp_path / "cpuinfo")
    assert machine.cpu_model() == "aarch64"


def test_describe_names_the_cpu_and_its_logical_cpus(monkeypatch):
    monkeypatch.setattr(machine, "cpu_model", lambda: "Some CPU")
    monkeypatch.setattr(machine.os, "cpu_count", lambda: 2)
    assert machine.describe() == "Some CPU, 2 logical CPUs"
