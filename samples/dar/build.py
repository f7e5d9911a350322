"""Build the sample DAR files from the exploded package folders next to this script.

    python samples/dar/build.py [OUTPUT_FOLDER]      (default: samples/dar/build)

Each `<Application>/<version>/` folder holding a `deployit-manifest.xml` (or an old-style
`META-INF/MANIFEST.MF`) becomes `<Application>-<version>.dar`: a zip of the folder's content, with
the manifest at the root. The zips are deterministic (sorted entries, fixed timestamps). Copy them,
or the folders themselves, into the server's `importablePackages` folder and import them with
`deployit.importPackage('Sample-1.0.dar')` or `deployit.importPackage('Sample/1.0')`.

The samples:
  Sample/1.0     file.File `readme`, file.Folder `config` (.properties files with placeholders),
                 cmd.Command `announce`, sql.SqlScripts `schema` (create, rollback, insert); tagged
                 `web` (readme, config) and `db` (schema)
  Sample/2.0     the same, with a changed README file and a changed command line
  OldSample/1.0  the pre-3.9 format (META-INF/MANIFEST.MF): a file, a folder and a command
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def package_folders(root: Path = HERE) -> list[Path]:
    """The exploded packages below root: folders holding a manifest."""
    found = [p.parent for p in root.glob("*/*/deployit-manifest.xml")]
    found += [p.parent.parent for p in root.glob("*/*/META-INF/MANIFEST.MF")]
    return sorted(set(found))


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_dir():
                info = zipfile.ZipInfo(rel + "/", FIXED_TIME)
                info.external_attr = (0o40755 << 16) | 0x10
                archive.writestr(info, b"")
            else:
                info = zipfile.ZipInfo(rel, FIXED_TIME)
                info.external_attr = (0o100644 | (path.stat().st_mode & 0o111)) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return target


def build(output: Path) -> list[Path]:
    """Write every sample DAR into output; returns their paths."""
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    return [zip_folder(folder, output / f"{folder.parent.name}-{folder.name}.dar") for folder in package_folders()]


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "build"
    for dar in build(out):
        print(dar)
