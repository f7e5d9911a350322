"""upload, delete, stage and unstage on the local host and over SSH: files, folders and archives, placeholders in
their encodings, idempotent deletes, staging on the host."""

import io
import os
import pwd
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from server.engine.context import DONE, StepFailed
from tests.server.steps_helpers import Harness, ref, tree

APP = "Applications/app/1.0"
HOST = "Infrastructure/local"


@pytest.fixture
def h(tmp_path):
    harness = Harness(tmp_path)
    harness.local_host()
    return harness


def deployed(h, name, deployable_id, deployed_type, **props):
    return h.add({"id": f"{HOST}/{name}", "type": deployed_type, "deployable": deployable_id, "container": HOST,
                  "createTargetPath": True, "targetPathShared": False, **props})


def upload(h, deployed_id, target, **params):
    params.setdefault("target_host", ref(HOST))
    return h.run("upload", artifact=ref(deployed_id, "deployed"), target_path=str(target), **params)


def delete(h, deployed_id, target, **params):
    params.setdefault("target_host", ref(HOST))
    return h.run("delete", artifact=ref(deployed_id, "previous"), target_path=str(target), **params)


# ----------------------------------------------------------------------------------------------- files and folders

def test_a_file_is_copied_with_placeholders_replaced_under_its_target_file_name(h, tmp_path):
    h.file_artifact(f"{APP}/config", "file.File", "app.properties", "name={{NAME}}\nkeep={{UNKNOWN}}\nempty={{E}}\n")
    deployed(h, "config", f"{APP}/config", "file.DeployedFile",
             placeholders={"NAME": "world", "E": "<empty>"})
    target = tmp_path / "target" / "deep"
    assert upload(h, f"{HOST}/config", target) == DONE
    assert (target / "app.properties").read_text() == "name=world\nkeep={{UNKNOWN}}\nempty=\n"
    assert f"Copying app.properties to {target}/app.properties on {HOST}" in h.log
    assert "Replaced placeholders in 1 of 1 text file" in h.log

    upload(h, f"{HOST}/config", target, target_file_name="renamed.properties")
    assert (target / "renamed.properties").read_text().startswith("name=world")


def test_a_folder_gets_placeholders_replaced_in_each_files_encoding_except_excluded_and_binary_files(h, tmp_path):
    utf16 = "greeting={{NAME}} \u00e9t\u00e9\n".encode("utf-16")
    latin = "caf\u00e9={{NAME}}\n".encode("latin-1")
    binary = b"\x00\x01{{NAME}}\xff"
    h.folder_artifact(f"{APP}/conf", "file.Folder", {
        "a.properties": "a={{NAME}}\n", "i18n/fr.properties": utf16, "legacy/latin.txt": latin,
        "skip/raw.properties": "raw={{NAME}}\n", "bin/data.bin": binary, "run.sh": "#!/bin/sh\necho {{NAME}}\n"},
        fileEncodings={r"i18n/.*": "UTF-16", r"legacy/.*": "ISO-8859-1"}, excludeFileNamesRegex=r"skip/.*",
        textFileNamesRegex=r".+\.(properties|txt|sh)")
    deployed(h, "conf", f"{APP}/conf", "file.DeployedFolder", placeholders={"NAME": "Jos\u00e9"})
    target = tmp_path / "conf-target"
    upload(h, f"{HOST}/conf", target)
    files = tree(target)
    assert files["a.properties"] == "a=Jos\u00e9\n".encode()
    assert files["i18n/fr.properties"].decode("utf-16") == "greeting=Jos\u00e9 \u00e9t\u00e9\n"
    assert files["legacy/latin.txt"] == "caf\u00e9=Jos\u00e9\n".encode("latin-1")
    assert files["skip/raw.properties"] == b"raw={{NAME}}\n"          # excluded
    assert files["bin/data.bin"] == binary                              # not a text file
    assert files["run.sh"] == "#!/bin/sh\necho Jos\u00e9\n".encode()
    assert os.access(target / "run.sh", os.X_OK)                        # the mode travels
    assert "Replaced placeholders in 4 of 4 text files" in h.log


def test_replace_placeholders_false_copies_as_it_is(h, tmp_path):
    h.file_artifact(f"{APP}/config", "file.File", "app.properties", "name={{NAME}}\n")
    deployed(h, "config", f"{APP}/config", "file.DeployedFile", placeholders={"NAME": "world"})
    upload(h, f"{HOST}/config", tmp_path / "t", replace_placeholders=False)
    assert (tmp_path / "t" / "app.properties").read_text() == "name={{NAME}}\n"


def test_a_missing_target_path_fails_when_not_created(h, tmp_path):
    h.file_artifact(f"{APP}/config", "file.File", "app.properties", "x")
    deployed(h, "config", f"{APP}/config", "file.DeployedFile")
    with pytest.raises(StepFailed, match=r"The target path .*/missing does not exist on host Infrastructure/local"):
        upload(h, f"{HOST}/config", tmp_path / "missing", create_target_path=False)


def test_expressions_left_by_planning_are_filled_in(h, tmp_path):
    h.add({"id": "Infrastructure/local/tomcat", "type": "generic.Container", "host": HOST, "home": str(tmp_path / "tc")})
    h.file_artifact(f"{APP}/war", "generic.File", "app.war", b"war")
    h.add({"id": "Infrastructure/local/tomcat/war", "type": "generic.CopiedArtifact", "deployable": f"{APP}/war",
           "container": "Infrastructure/local/tomcat", "targetDirectory": "${deployed.container.home}/webapps"})
    h.run("upload", artifact=ref("Infrastructure/local/tomcat/war", "deployed"), target_host=ref(HOST),
          target_path="${deployed.container.home}/webapps")
    assert (tmp_path / "tc" / "webapps" / "app.war").read_bytes() == b"war"
    h.cis["Infrastructure/local/tomcat"]["home"] = None
    with pytest.raises(StepFailed, match=r"^The target path '\$\{deployed.container.home\}/webapps' uses a property that "
                                         r"is not set\.$"):
        h.run("upload", artifact=ref("Infrastructure/local/tomcat/war", "deployed"), target_host=ref(HOST),
              target_path="${deployed.container.home}/webapps")
    with pytest.raises(StepFailed, match=r"cannot be filled in: Infrastructure/local/tomcat has no property 'homme'"):
        h.run("delete", artifact=ref("Infrastructure/local/tomcat/war", "deployed"), target_host=ref(HOST),
              target_path="${deployed.container.homme}/webapps")


# ----------------------------------------------------------------------------------------------- archives

def zip_bytes(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tgz_bytes(files: dict) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            data = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("file_name,make", [("site.zip", zip_bytes), ("site.tar.gz", tgz_bytes)])
def test_an_archive_is_extracted_with_placeholders_replaced(h, tmp_path, file_name, make):
    h.archive_artifact(f"{APP}/site", "file.Archive", file_name,
                       make({"index.html": "<h1>{{TITLE}}</h1>", "conf/app.xml": "<t>{{TITLE}}</t>", "img/a.png": "PNG"}))
    deployed(h, "site", f"{APP}/site", "file.DeployedArchive", placeholders={"TITLE": "Hello"})
    target = tmp_path / "www"
    upload(h, f"{HOST}/site", target, extract=True)
    assert tree(target) == {"index.html": b"<h1>Hello</h1>", "conf/app.xml": b"<t>Hello</t>", "img/a.png": b"PNG"}
    assert f"Extracting {file_name} to {target}" in h.log

    # Deleting removes the archive's entries and, not shared, the target path; twice is fine.
    (target / "mine.txt").write_text("not from the archive")
    delete(h, f"{HOST}/site", target, delete_target_path=False)
    assert sorted(os.listdir(target)) == ["mine.txt"]
    delete(h, f"{HOST}/site", target, delete_target_path=True)
    assert not target.exists()
    assert delete(h, f"{HOST}/site", target, delete_target_path=True) == DONE
    assert "already deleted" in h.log


def test_an_archive_not_extracted_is_copied_with_its_entries_replaced(h, tmp_path):
    h.archive_artifact(f"{APP}/lib", "generic.Archive", "lib.zip", zip_bytes({"app.properties": "x={{X}}", "b.bin": "{{X}}"}))
    deployed(h, "lib", f"{APP}/lib", "generic.CopiedArtifact", placeholders={"X": "1"})
    upload(h, f"{HOST}/lib", tmp_path / "libs")
    with zipfile.ZipFile(tmp_path / "libs" / "lib.zip") as archive:
        assert archive.read("app.properties") == b"x=1"
        assert archive.read("b.bin") == b"{{X}}"
    delete(h, f"{HOST}/lib", tmp_path / "libs")
    assert os.listdir(tmp_path / "libs") == []


def test_an_archive_with_an_entry_outside_is_refused(h, tmp_path):
    h.archive_artifact(f"{APP}/evil", "file.Archive", "evil.zip", zip_bytes({"../escape.txt": "x"}))
    deployed(h, "evil", f"{APP}/evil", "file.DeployedArchive")
    with pytest.raises(StepFailed, match="evil.zip cannot be extracted.*outside"):
        upload(h, f"{HOST}/evil", tmp_path / "t", extract=True)
    assert not (tmp_path / "escape.txt").exists()


@pytest.mark.parametrize("by_hand", [False, True])
def test_a_tar_with_an_entry_or_a_link_outside_is_refused(h, tmp_path, monkeypatch, by_hand):
    if by_hand:  # the checks made on Pythons without tarfile's data filter
        monkeypatch.delattr(tarfile, "data_filter")
    for name, kind in (("../up.txt", tarfile.REGTYPE), ("link", tarfile.SYMTYPE)):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "../../outside" if kind == tarfile.SYMTYPE else ""
            archive.addfile(info, io.BytesIO(b""))
        h.archive_artifact(f"{APP}/evil", "file.Archive", "evil.tar", buffer.getvalue())
        deployed(h, "evil", f"{APP}/evil", "file.DeployedArchive")
        with pytest.raises(StepFailed, match="evil.tar cannot be extracted"):
            upload(h, f"{HOST}/evil", tmp_path / "t", extract=True)
    assert not (tmp_path / "up.txt").exists()


# ----------------------------------------------------------------------------------------------- delete

def test_delete_a_file_and_a_folder_is_idempotent(h, tmp_path):
    h.file_artifact(f"{APP}/config", "file.File", "app.properties", "x")
    deployed(h, "config", f"{APP}/config", "file.DeployedFile")
    h.folder_artifact(f"{APP}/conf", "file.Folder", {"a.txt": "a", "sub/b.txt": "b"})
    deployed(h, "conf", f"{APP}/conf", "file.DeployedFolder")
    target = tmp_path / "shared"
    upload(h, f"{HOST}/config", target)
    upload(h, f"{HOST}/conf", target)
    (target / "other.txt").write_text("someone else's")
    for _ in range(2):
        assert delete(h, f"{HOST}/config", target) == DONE
        assert delete(h, f"{HOST}/conf", target) == DONE
        assert sorted(os.listdir(target)) == ["other.txt"]
    assert "already deleted" in h.log

    h.run("delete", target_host=ref(HOST), target_path=str(target), target_file_name="other.txt")
    assert os.listdir(target) == []


def test_delete_target_path_without_recursion_leaves_a_non_empty_folder(h, tmp_path):
    target = tmp_path / "t"
    target.mkdir()
    (target / "x").write_text("x")
    h.run("delete", target_host=ref(HOST), target_path=str(target), delete_target_path=True,
          delete_recursively=False)
    assert (target / "x").exists()
    assert "is not empty; left in place" in h.log


def test_a_root_folder_is_never_deleted(h):
    with pytest.raises(StepFailed, match="Refusing to delete '/'"):
        h.run("delete", target_host=ref(HOST), target_path="/", delete_target_path=True)


# ----------------------------------------------------------------------------------------------- staging

def test_staging_copies_ahead_and_upload_copies_from_the_staging_folder(h, tmp_path):
    staging = tmp_path / "staging"
    h.local_host(stagingDirectoryPath=str(staging))
    h.folder_artifact(f"{APP}/conf", "file.Folder", {"a.properties": "a={{A}}", "sub/b.txt": "b"})
    deployed(h, "conf", f"{APP}/conf", "file.DeployedFolder", placeholders={"A": "1"})
    h.file_artifact(f"{APP}/config", "file.File", "app.properties", "x={{A}}")
    deployed(h, "config", f"{APP}/config", "file.DeployedFile", placeholders={"A": "2"})

    h.run("stage", artifact=ref(f"{HOST}/conf", "deployed"), target_host=ref(HOST))
    assert h.log == f"Staged conf in {staging}/task-1/Infrastructure_local_conf on {HOST}"
    h.run("stage", artifact=ref(f"{HOST}/config", "deployed"), target_host=ref(HOST))
    staged = staging / "task-1" / "Infrastructure_local_conf" / "payload"
    assert tree(staged) == {"a.properties": b"a=1", "sub/b.txt": b"b"}

    # The server's copy is gone: only the staged copy can be the source now.
    for path in h.artifacts.values():
        path.write_bytes(b"not this")
    upload(h, f"{HOST}/conf", tmp_path / "target")
    assert "from the staging folder" in h.log
    upload(h, f"{HOST}/config", tmp_path / "target", target_file_name="c.properties")
    assert tree(tmp_path / "target") == {"a.properties": b"a=1", "sub/b.txt": b"b", "c.properties": b"x=2"}

    h.run("unstage", target_host=ref(HOST))
    assert os.listdir(staging) == []
    assert h.run("unstage", target_host=ref(HOST)) == DONE
    assert "already removed" in h.log


def test_without_a_staging_directory_stage_does_nothing_and_upload_copies_from_the_server(h, tmp_path):
    h.file_artifact(f"{APP}/config", "file.File", "app.properties", "x")
    deployed(h, "config", f"{APP}/config", "file.DeployedFile")
    h.run("stage", artifact=ref(f"{HOST}/config", "deployed"), target_host=ref(HOST))
    assert "has no staging directory" in h.log
    upload(h, f"{HOST}/config", tmp_path / "t")
    assert (tmp_path / "t" / "app.properties").read_text() == "x"


def test_an_artifact_staged_with_other_options_is_uploaded_from_the_server(h, tmp_path):
    staging = tmp_path / "staging"
    h.local_host(stagingDirectoryPath=str(staging))
    h.file_artifact(f"{APP}/config", "file.File", "app.properties", "x={{A}}")
    deployed(h, "config", f"{APP}/config", "file.DeployedFile", placeholders={"A": "1"})
    h.run("stage", artifact=ref(f"{HOST}/config", "deployed"), target_host=ref(HOST), replace_placeholders=False)
    upload(h, f"{HOST}/config", tmp_path / "t")
    assert "staging" not in h.log
    assert (tmp_path / "t" / "app.properties").read_text() == "x=1"


# ----------------------------------------------------------------------------------------------- over SSH

@pytest.fixture(scope="module")
def sshd():
    from tests.support.sshd import SshServer, require_root
    require_root()
    with SshServer() as server:
        yield server


@pytest.fixture
def shared():
    from tests.support.sshd import make_shared_dir
    path = make_shared_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_upload_stage_and_delete_over_ssh(tmp_path, sshd, shared):
    from tests.support.sshd import TEST_PASSWORD
    h = Harness(tmp_path)
    staging = os.path.join(shared, "staging")
    h.add(sshd.host(password=TEST_PASSWORD, temporaryDirectoryPath=shared, stagingDirectoryPath=staging,
                    id="Infrastructure/ssh"))
    h.folder_artifact(f"{APP}/conf", "file.Folder", {"a.properties": "a={{A}}", "sub/b.txt": "b"})
    h.add({"id": "Infrastructure/ssh/conf", "type": "file.DeployedFolder", "deployable": f"{APP}/conf",
           "container": "Infrastructure/ssh", "placeholders": {"A": "over ssh"}})
    h.file_artifact(f"{APP}/config", "file.File", "app.properties", "x={{A}}")
    h.add({"id": "Infrastructure/ssh/config", "type": "file.DeployedFile", "deployable": f"{APP}/config",
           "container": "Infrastructure/ssh", "placeholders": {"A": "direct"}})
    target = os.path.join(shared, "target")
    host = ref("Infrastructure/ssh")

    h.run("stage", artifact=ref("Infrastructure/ssh/conf", "deployed"), target_host=host)
    h.run("upload", artifact=ref("Infrastructure/ssh/conf", "deployed"), target_host=host, target_path=target)
    assert "from the staging folder" in h.log
    h.run("upload", artifact=ref("Infrastructure/ssh/config", "deployed"), target_host=host, target_path=target)
    assert tree(Path(target)) == {"a.properties": b"a=over ssh", "sub/b.txt": b"b", "app.properties": b"x=direct"}
    assert pwd.getpwuid(os.stat(os.path.join(target, "app.properties")).st_uid).pw_name == "deployit-test"

    h.run("unstage", target_host=host)
    assert not os.path.exists(os.path.join(staging, "task-1"))
    for _ in range(2):
        h.run("delete", artifact=ref("Infrastructure/ssh/conf", "previous"), target_host=host, target_path=target)
        h.run("delete", artifact=ref("Infrastructure/ssh/config", "previous"), target_host=host, target_path=target,
              delete_target_path=True)
    assert not os.path.exists(target)
