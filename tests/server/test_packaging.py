"""The project's packaging: set-up builds the packages with their data files and no setuptools warnings."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_build_declares_every_package_and_its_data_files(tmp_path):
    build = tmp_path / "build"
    result = subprocess.run([sys.executable, "setup.py", "-q", "egg_info", "--egg-base", str(tmp_path),
                             "build_py", "-d", str(build)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "would be ignored" not in result.stdout + result.stderr, result.stderr
    builtin = build / "server" / "plugins" / "builtin"
    assert (builtin / "udm.xml").is_file() and (builtin / "scripts" / "sql" / "sqlite.sh").is_file()
    assert (build / "deployit_cli" / "jython" / "fixers" / "fix_dict_iter.py").is_file()
    assert not list(build.rglob("__pycache__")) and not list(build.rglob("*.pyc"))
