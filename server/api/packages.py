"""PackageService routes: /package/import (list and import by name), /package/upload, /package/fetch(2).

Importing needs import#initial (first version of an application) or import#upgrade on the application,
checked by the package service once the manifest is read (server/security/policy.py).
"""

from __future__ import annotations

import tempfile

from starlette.requests import Request
from starlette.routing import Route

from ..errors import BadRequest
from ..packages.service import PackageService
from .common import call, json_body, multipart_form, ok, parse_json, read_body, services, user
from ..security.permissions import IMPORT_INITIAL, IMPORT_UPGRADE
from . import xmlwire
from .guard import audit, needs, security


def _may_import(request: Request) -> None:
    """Before a package is read: the caller must be able to import into some application (the
    application's own permission is checked once the manifest names it)."""
    security(request).require_somewhere(user(request), (IMPORT_INITIAL, IMPORT_UPGRADE), "Applications",
                                        "application")

UPLOAD_SPOOL = 8 * 1024 * 1024


def _packages(request: Request) -> PackageService:
    return services(request).packages


def _version(request: Request, rec):
    audit(request, rec.id)
    return ok(services(request).repository.to_json(rec), "ci")


@needs("login")
async def list_importable(request: Request):
    """`["PetClinic/1.0", "PetClinic-2.0.dar", …]`: the importable packages folder's packages."""
    return ok(await call(_packages(request).list_importable))


@needs("import#initial (first version) or import#upgrade on the application")
async def import_named(request: Request):
    _may_import(request)
    rec = await call(_packages(request).import_named, request.path_params["file"], user(request))
    return _version(request, rec)


@needs("import#initial (first version) or import#upgrade on the application")
async def upload(request: Request):
    """Multipart upload of a DAR: one file part (XL Deploy names it `fileData`; any name is accepted).
    A body that is not multipart is taken as the DAR itself."""
    _may_import(request)
    name = request.path_params["file"]
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/"):
        form = await multipart_form(request, max_files=10, max_fields=20)
        try:
            files = [v for _, v in form.multi_items() if not isinstance(v, str)]
            if len(files) != 1:
                raise BadRequest(f"The upload must hold exactly one file part (fileData); it holds {len(files)}.")
            rec = await call(_packages(request).import_upload, name or files[0].filename, files[0].file,
                             user(request))
        finally:
            await form.close()
        return _version(request, rec)
    with tempfile.SpooledTemporaryFile(max_size=UPLOAD_SPOOL) as body:
        async for chunk in request.stream():
            body.write(chunk)
        if not body.tell():
            raise BadRequest("The upload is empty: send the DAR as the file part 'fileData' of a multipart body.")
        rec = await call(_packages(request).import_upload, name, body, user(request))
    return _version(request, rec)


@needs("import#initial (first version) or import#upgrade on the application")
async def fetch(request: Request):
    """Body: the URL, as plain text, a JSON string or `<string>url</string>` (XL Deploy's deprecated form
    of fetch2)."""
    _may_import(request)
    raw = (await read_body(request)).strip()
    if raw.startswith(b"<"):
        url = xmlwire.read(raw, services(request).types)
    elif raw.startswith(b'"'):
        url = parse_json(raw)
    else:
        url = raw.decode("utf-8", "replace")
    if not isinstance(url, str) or not url:
        raise BadRequest("The body must be the URL of the package to fetch.")
    rec = await call(_packages(request).import_url, url, user(request))
    return _version(request, rec)


@needs("import#initial (first version) or import#upgrade on the application")
async def fetch2(request: Request):
    """Body: `{"url": ..., "user": ..., "password": ...}` (user and password optional)."""
    _may_import(request)
    params = await json_body(request, dict)
    url, username, password = params.get("url"), params.get("user"), params.get("password")
    if not isinstance(url, str) or not url.strip():
        raise BadRequest("The body must give the package's 'url'.")
    if username is not None and not isinstance(username, str) or password is not None and not isinstance(password, str):
        raise BadRequest("'user' and 'password' must be strings.")
    rec = await call(_packages(request).import_url, url, user(request), username or None, password)
    return _version(request, rec)


routes = [
    Route("/package/import", list_importable, methods=["GET"]),
    Route("/package/import/{file:path}", import_named, methods=["POST"]),
    Route("/package/upload/{file:path}", upload, methods=["POST"]),
    Route("/package/fetch", fetch, methods=["POST"]),
    Route("/package/fetch2", fetch2, methods=["POST"]),
]
