"""Limits that protect the server from hostile or oversized packages, from `conf/deployit.conf`.

  package.max.archive.size        largest DAR accepted (upload, fetch, importable file), bytes; default 1 GiB
  package.max.uncompressed.size   largest total content of a package once unpacked, bytes; default 1 GiB
  package.max.entries             most files and folders in a package; default 100000
  package.max.compression.ratio   largest uncompressed/compressed ratio of one zip entry above 1 MiB; default 100
  package.max.manifest.size       largest manifest, bytes; default 16 MiB
  package.fetch.timeout           seconds a download from a URL may take in all; default 60
"""

from __future__ import annotations

from dataclasses import dataclass

GIB = 1024 * 1024 * 1024
MIB = 1024 * 1024


@dataclass(frozen=True)
class PackageLimits:
    max_archive_size: int = GIB
    max_uncompressed_size: int = GIB
    max_entries: int = 100_000
    max_compression_ratio: int = 100
    ratio_min_size: int = MIB  # smaller entries are not ratio-checked: tiny files compress oddly well
    max_manifest_size: int = 16 * MIB
    fetch_timeout: float = 60.0
    max_nesting: int = 3  # archives inside archives scanned for placeholders

    @classmethod
    def from_properties(cls, props: dict | None) -> "PackageLimits":
        props = props or {}

        def number(key: str, default, convert=int):
            value = str(props.get(key, "")).strip()
            if not value:
                return default
            try:
                result = convert(value)
            except ValueError:
                raise ValueError(f"deployit.conf: {key} must be a number, not '{value}'.") from None
            if result <= 0:
                raise ValueError(f"deployit.conf: {key} must be greater than 0, not '{value}'.")
            return result

        d = cls()
        return cls(
            max_archive_size=number("package.max.archive.size", d.max_archive_size),
            max_uncompressed_size=number("package.max.uncompressed.size", d.max_uncompressed_size),
            max_entries=number("package.max.entries", d.max_entries),
            max_compression_ratio=number("package.max.compression.ratio", d.max_compression_ratio),
            max_manifest_size=number("package.max.manifest.size", d.max_manifest_size),
            fetch_timeout=number("package.fetch.timeout", d.fetch_timeout, float),
        )
