"""What an import reads besides the manifest: archive entries checked, folders packed, text scanned."""

import io
import os
import zipfile

import pytest

from server.errors import BadRequest, PayloadTooLarge
from server.packages import folders
from server.packages.limits import PackageLimits
from server.packages.scanning import TextScanner, rules_for, scan_archive
from server.packages.source import FolderSource, ZipSource

TEXT = r".+\.(properties|txt|xml)"


def zip_bytes(entries: dict, symlinks=()) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        for name in symlinks:
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            z.writestr(info, "/etc/passwd")
    out.seek(0)
    return out


def rules(**props):
    props.setdefault("textFileNamesRegex", TEXT)
    nested = props.pop("nested", False)
    return rules_for("Applications/A/1/x", props, nested, PackageLimits())


def test_text_scanner_handles_chunks_split_inside_characters_and_placeholders():
    data = "é {{ONE}}\nx {{TWO}} y\n{{THREE}}".encode("utf-8")
    scanner = TextScanner("utf-8", "{{ }}")
    for i in range(len(data)):
        scanner.feed(data[i:i + 1])
    scanner.feed(b"", final=True)
    assert scanner.names == {"ONE", "TWO", "THREE"}
    bad = TextScanner("utf-8", "{{ }}")
    bad.feed(b"{{A}}\n\xff\xfe")
    bad.feed(b"", final=True)
    assert bad.names == set()


def test_rules_text_exclusion_and_encodings():
    r = rules(excludeFileNamesRegex=r"secret/.*|.*\.xml", fileEncodings={"zh/.*": "UTF-16BE"})
    assert r.is_text("a/b.properties") and not r.is_text("a/b.bin")
    assert not r.is_text("secret/a.properties") and not r.is_text("conf/web.xml")
    assert r.encoding("zh/index.txt") == "UTF-16BE" and r.encoding("en/index.txt") == "utf-8"
    with pytest.raises(BadRequest, match="unknown character set 'NOPE-1'"):
        rules(fileEncodings={".*": "NOPE-1"})
    with pytest.raises(BadRequest, match="textFileNamesRegex.*not a valid regular expression"):
        rules(textFileNamesRegex="(")
    with pytest.raises(BadRequest, match="delimiters"):
        rules(delimiters="{{")


def test_archive_scan_and_nested_archives_only_when_asked():
    inner = zip_bytes({"deep.properties": "d={{DEEP}}"}).getvalue()
    outer = zip_bytes({"a.properties": "a={{A}}", "b.bin": "{{BIN}}", "lib/inner.jar": inner})
    assert scan_archive(outer, "x.zip", rules(), "Artifact x") == {"A"}
    outer.seek(0)
    assert scan_archive(outer, "x.zip", rules(nested=True), "Artifact x") == {"A", "DEEP"}
    assert scan_archive(io.BytesIO(b"not a zip"), "x.zip", rules(), "Artifact x") == set()


def test_zip_source_refuses_hostile_entries():
    limits = PackageLimits()
    for entries, message in [({"../evil": "x"}, "points outside"), ({"/abs": "x"}, "points outside"),
                             ({"a/../../evil": "x"}, "points outside"), ({"C:/x": "x"}, "points outside"),
                             ({"..\\evil": "x"}, "points outside")]:
        with pytest.raises(BadRequest, match=message):
            ZipSource(zip_bytes(entries), "p.dar", limits)
    with pytest.raises(BadRequest, match="symbolic link"):
        ZipSource(zip_bytes({"a": "x"}, symlinks=["link"]), "p.dar", limits)
    with pytest.raises(BadRequest, match="not a valid zip archive"):
        ZipSource(io.BytesIO(b"PK\x03\x04 garbage"), "p.dar", limits)
    with pytest.raises(BadRequest, match="zip bomb"):
        ZipSource(zip_bytes({"zeros": b"\0" * (3 * 1024 * 1024)}), "p.dar", limits)
    with pytest.raises(PayloadTooLarge, match="larger than the limit"):
        ZipSource(zip_bytes({f"f{i}": b"\0" * 1000 for i in range(20)}), "p.dar",
                  PackageLimits(max_uncompressed_size=10_000))
    with pytest.raises(PayloadTooLarge, match="more than 5 entries"):
        ZipSource(zip_bytes({f"f{i}": b"x" for i in range(6)}), "p.dar", PackageLimits(max_entries=5))
    with pytest.raises(BadRequest, match="both a file and a folder"):
        ZipSource(zip_bytes({"a": "x", "a/b": "y"}), "p.dar", limits)


def test_manifest_inside_a_folder_gets_a_hint():
    source = ZipSource(zip_bytes({"PetClinic-1.0/deployit-manifest.xml": "<x/>"}), "p.dar", PackageLimits())
    with pytest.raises(BadRequest, match="inside 'PetClinic-1.0/'"):
        source.manifest()


def test_folder_pack_is_deterministic_and_matches_the_directory_checksum(tmp_path):
    root = tmp_path / "conf"
    (root / "sub").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "a.properties").write_text("a={{A}}\n")
    (root / "sub" / "run.sh").write_text("echo {{NOT_TEXT}}\n")
    os.chmod(root / "sub" / "run.sh", 0o755)
    source = FolderSource(tmp_path, "pkg", PackageLimits())
    first = folders.pack(source.walk("conf"), rules(), "Artifact x")
    second = folders.pack(source.walk("conf"), None, "Artifact x")
    assert first.checksum == second.checksum == folders.checksum_of_directory(root)
    assert first.placeholders == {"A"} and second.placeholders == set()
    assert first.file.read() == second.file.read()
    first.file.seek(0)
    out = tmp_path / "out"
    assert sorted(folders.extract(first.file, out)) == ["a.properties", "sub/run.sh"]
    assert (out / "empty").is_dir() and os.stat(out / "sub" / "run.sh").st_mode & 0o111
    assert (out / "a.properties").read_text() == "a={{A}}\n"


def test_folder_source_refuses_links(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "deployit-manifest.xml").write_text("<x/>")
    os.symlink("/etc/passwd", tmp_path / "pkg" / "passwd")
    with pytest.raises(BadRequest, match="'passwd' is a symbolic link"):
        FolderSource(tmp_path / "pkg", "pkg", PackageLimits())


def test_extract_refuses_escaping_entries(tmp_path):
    with pytest.raises(ValueError, match="points outside"):
        folders.extract(zip_bytes({"../x": "y"}), tmp_path / "out")


def test_limits_from_properties():
    limits = PackageLimits.from_properties({"package.max.uncompressed.size": "1000", "package.fetch.timeout": "2.5"})
    assert limits.max_uncompressed_size == 1000 and limits.fetch_timeout == 2.5
    assert limits.max_archive_size == PackageLimits().max_archive_size
    with pytest.raises(ValueError, match="package.max.entries must be a number"):
        PackageLimits.from_properties({"package.max.entries": "many"})
