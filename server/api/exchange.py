"""Export and import routes: subtrees as archives run as tasks, and package versions as DARs.

    POST /repository/export[/{root}]?exportDir=   a PENDING export task: {"string": task id, "file": name}
    GET  /repository/export-file/{name}           download an archive of the server's export folder
    POST /repository/import?archive=name          a PENDING import task of an archive in the export folder;
                                                  multipart (one file part): the archive is uploaded first
    GET  /package/export/{versionId}              the package version as a DAR (application/zip)

Exporting needs read on every CI of the subtree (everything: admin); downloading an archive the same on its
root; importing repo#edit on the location it replaces and every CI below it, all of which it deletes
(everything: admin); exportDar read on the version.
"""

from __future__ import annotations

import re
import time
import uuid

from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from ..errors import BadRequest
from ..exchange.cis import normalise_root, read_archive
from ..exchange.dar import DarWriter
from ..security.permissions import READ, REPO_EDIT
from .common import call, created_task, multipart_form, services, user
from .guard import audit, check, needs, policy, require, security

CHUNK = 1024 * 1024


def _exchange(request: Request):
    return services(request).exchange


@needs("read on the root and every CI below it (everything: admin); exportDir outside export/: admin")
async def export_cis(request: Request):
    root = normalise_root(request.path_params.get("root"))
    await check(request, policy(request).archive, root, READ)
    admin = security(request).is_admin(user(request))
    task_id, target = await call(_exchange(request).create_export, root, request.query_params.get("exportDir"),
                                 user(request), admin)
    audit(request, task_id, root)
    return created_task(task_id, file=target.rsplit("/", 1)[-1], path=target)


@needs("read on the archive's root and every CI below it (everything: admin)")
async def download_export(request: Request):
    exchange = _exchange(request)
    path = exchange.archive_path(request.path_params["name"])
    archive = await call(read_archive, path, services(request).repository, exchange.limits)
    await check(request, policy(request).archive, archive.root, READ)
    handle = open(path, "rb")

    def chunks():
        with handle:
            yield from iter(lambda: handle.read(CHUNK), b"")

    return StreamingResponse(chunks(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{path.name}"', "Content-Length": str(path.stat().st_size)})


async def _uploaded(request: Request) -> str:
    """Save an uploaded archive in the export folder; its name there."""
    form = await multipart_form(request, max_files=1, max_fields=5)
    part = next((v for _, v in form.multi_items() if getattr(v, "filename", None) is not None), None)
    if part is None:
        raise BadRequest("The upload has no file part holding the archive.")
    # Only safe characters, and the name's end (with its extension) short enough for any file system.
    base = re.sub(r"[^A-Za-z0-9._-]", "_", part.filename.rsplit("/", 1)[-1])[-100:] or "archive.zip"
    name = f"uploaded-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}-{base}"
    folder = _exchange(request).export_dir
    folder.mkdir(parents=True, exist_ok=True)

    def save():
        with open(folder / name, "wb") as out:
            while chunk := part.file.read(CHUNK):
                out.write(chunk)
    await call(save)
    return name


@needs("repo#edit on the location the archive replaces and every CI below it (everything: admin)")
async def import_cis(request: Request):
    exchange = _exchange(request)
    uploaded = request.headers.get("content-type", "").startswith("multipart/")
    if uploaded:
        # Refuse before storing anything for someone who may edit nothing at all.
        policy(request).archive_upload(user(request))
        name = await _uploaded(request)
    else:
        name = request.query_params.get("archive") or ""
    try:
        archive = await call(exchange.check_import, name)
        await check(request, policy(request).archive, archive.root, REPO_EDIT)
    except BaseException:
        if uploaded:
            (exchange.export_dir / name).unlink(missing_ok=True)
        raise
    task_id = await call(exchange.create_import, archive, user(request))
    audit(request, task_id, archive.root)
    return created_task(task_id, archive=archive.path.name)


@needs("read on the package version")
async def export_dar(request: Request):
    version_id = request.path_params["id"].strip("/")
    require(request, READ, version_id)
    svc = services(request)
    writer = DarWriter(svc.repository, svc.types)
    out = await call(writer.write, version_id)

    def chunks():
        with out:
            yield from iter(lambda: out.read(CHUNK), b"")

    name = writer.file_name(version_id).replace('"', "")
    return StreamingResponse(chunks(), media_type="application/zip",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


routes = [
    Route("/repository/export", export_cis, methods=["POST"]),
    Route("/repository/export/{root:path}", export_cis, methods=["POST"]),
    Route("/repository/export-file/{name:path}", download_export, methods=["GET"]),
    Route("/repository/import", import_cis, methods=["POST"]),
    Route("/package/export/{id:path}", export_dar, methods=["GET"]),
]
