"""The sample CLI scripts in samples/cli run unchanged against the real server, with arguments."""

import shlex

import pytest

from tests.cli.conftest import SAMPLES

OWN = ("create_infrastructure.py", "list_repository.py", "remove_infrastructure.py")


def sample_args(path) -> list[str]:
    """Arguments for a sample: its `# test-args: ...` line, if it has one."""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[:30]:
        stripped = line.strip()
        if stripped.startswith("# test-args:"):
            return shlex.split(stripped.split(":", 1)[1])
    return []


def test_create_list_and_remove_infrastructure(cli):
    create = str(SAMPLES / "create_infrastructure.py")
    result = cli.run("-q", "-f", create, "Shop", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:8] == [
        "Creating Infrastructure/Shop",
        "Creating Infrastructure/Shop/host-1",
        "Creating Infrastructure/Shop/host-2",
        "Creating Infrastructure/Shop/host-3",
        "Creating Environments/Shop-settings",
        "Creating Environments/Shop",
        "First host: host-1 at host-1.example.com, tags ['web']",
        "overthere.SshHost Infrastructure/Shop/host-1:",
    ]
    assert "    password               : ********\n" in result.stdout and "secret" not in result.stdout
    assert result.stdout.endswith(
        "Environment Environments/Shop has 3 members: Infrastructure/Shop/host-1, Infrastructure/Shop/host-2, "
        "Infrastructure/Shop/host-3\n")
    again = cli.run("-q", "-f", create, "Shop", "3")
    assert again.returncode == 0 and again.stdout.count("Updating ") == 6, again.stderr

    listing = cli.run("-q", "-f", str(SAMPLES / "list_repository.py"), "Infrastructure/Shop", "Environments")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.startswith("Infrastructure/Shop\n  - host-1 [overthere.SshHost]\n"
                                     "  - host-2 [overthere.SshHost]\n  - host-3 [overthere.SshHost]\nEnvironments\n")
    assert "  - Shop [udm.Environment]\n" in listing.stdout
    assert "  - Shop-settings [udm.Dictionary]\n" in listing.stdout

    remove = str(SAMPLES / "remove_infrastructure.py")
    result = cli.run("-q", "-f", remove, "Shop")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Removed Environments/Shop (udm.Environment)",
                                          "Removed Environments/Shop-settings (udm.Dictionary)",
                                          "Removed Infrastructure/Shop (core.Directory)"]
    result = cli.run("-q", "-f", remove, "Shop")
    assert result.returncode == 1
    assert result.stderr == "Nothing to remove for Shop\n"


def test_list_repository_of_a_missing_folder(cli):
    result = cli.run("-q", "-f", str(SAMPLES / "list_repository.py"), "Infrastructure/none-such")
    assert (result.returncode, result.stderr) == (2, "Infrastructure/none-such: no such CI\n")


OTHERS = sorted(p for p in SAMPLES.glob("*.py") if p.name not in OWN)


@pytest.mark.parametrize("sample", OTHERS, ids=[p.name for p in OTHERS])
def test_other_samples_run(cli, sample):
    """Every other sample (e.g. the Python 2 ones of the jython layer) runs to a good end with its test args."""
    result = cli.run("-q", "-f", str(sample), *sample_args(sample))
    assert result.returncode == 0, result.stdout + result.stderr


def test_python2_sample_sees_its_arguments(cli):
    path = SAMPLES / "py2_args.py"
    if not path.exists():
        pytest.skip("samples/cli/py2_args.py is not there yet")
    result = cli.run("-q", "-f", str(path), "one", "two words", "--", "-three")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f"[{str(path)!r}, 'one', 'two words', '-three']\n4\n"
                             "arg 1: one\narg 2: two words\narg 3: -three\n")
