"""RepositoryService routes: /repository/ci, /cis, /exists, /copy, /move, /rename, /query, /history.

Reading needs `read` on the CI, writing `repo#edit` (deleting a package `import#remove`); queries
return only the CIs the caller may read. Password values leave as ********.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from ..errors import BadRequest, NotFound
from ..refs import body_ids, ref_ids
from ..repository.service import ArtifactUpload, StillReferenced
from ..security.permissions import READ, REPO_EDIT
from .common import (boolean, call, int_param, json_body, json_too_large, multipart_form, no_content, ok,
                     parse_json, services, user)
from . import xmlwire
from .guard import audit, check, needs, policy, require, require_each, security

CI_PART_NAMES = ("configurationItem", "ci", "json")  # the part holding the CI, even as a file (curl -F ci=@ci.xml)
CI_PART_TYPES = ("application/json", "application/xml", "text/xml")  # a file part of these types is the CI too


def _repo(request: Request):
    return services(request).repository


def _id(request: Request) -> str:
    return request.path_params["id"]


async def _json_part(request: Request, part) -> bytes:
    """A CI sent as a file part of a multipart upload, read into memory under the JSON body limit."""
    limit = services(request).config.max_json_size
    raw = await part.read(limit + 1)
    if len(raw) > limit:
        raise json_too_large(limit)
    return raw


def _ci_part(request: Request, raw: bytes):
    """The CI part of an upload, in XML or JSON."""
    if raw.lstrip().startswith(b"<"):
        return xmlwire.read(raw, services(request).types)
    return parse_json(raw, "The CI part of the upload")


async def _ci_with_file(request: Request) -> tuple[dict, ArtifactUpload | None]:
    """The CI body, and its file when the request is multipart (as XL Deploy's artifact upload: the CI in
    a part `configurationItem`, JSON or XML, the file in another)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/"):
        return await json_body(request, dict), None
    form = await multipart_form(request, max_files=2, max_fields=20)  # the file, and the CI when sent as one
    ci_data, upload = None, None
    for key, value in form.multi_items():
        if key not in CI_PART_NAMES and hasattr(value, "filename") and value.filename is not None \
                and getattr(value, "content_type", "") not in CI_PART_TYPES:
            if upload is not None:
                raise BadRequest("The upload holds 2 files besides the CI; send one.")
            upload = ArtifactUpload(filename=value.filename, stream=value.file)
        else:
            text = value.encode("utf-8", "surrogatepass") if isinstance(value, str) \
                else await _json_part(request, value)
            if key in CI_PART_NAMES or (ci_data is None and text.lstrip()[:1] in (b"{", b"<")):
                ci_data = _ci_part(request, text)
    if not isinstance(ci_data, dict):
        raise BadRequest("The upload must have a part 'configurationItem' holding the CI as a JSON object or in XML.")
    return ci_data, upload


async def _deleting(request: Request, func, *args) -> None:
    """Run a delete; a refusal because something still refers to the CI names only referrers the caller
    may read (the others are counted)."""
    try:
        await call(func, *args)
    except StillReferenced as exc:
        raise exc.seen_by(security(request).reader(user(request))) from None


def _as_json(repo, records_of, *args) -> list[dict]:
    """The CIs a repository call returns, as their JSON, in the same worker thread (one hop off the loop)."""
    return repo.to_json_many(records_of(*args))


@needs("read on the CI")
async def read_ci(request: Request):
    repo = _repo(request)
    ci_id = _id(request)
    if ci_id == "read":  # xldeploy-py reads many CIs with GET /repository/ci/read and a list body
        ids = ref_ids(await json_body(request, list))
        require_each(request, READ, ids)
        return ok(await call(_as_json, repo, repo.read_many, ids), "cis")
    require(request, READ, ci_id)
    version = request.query_params.get("version")
    if version:
        rec = await call(repo.read_version, ci_id, int_param(request, "version", 0))
    else:
        rec = await call(repo.read, ci_id)
    return ok(repo.to_json(rec), "ci")


@needs("repo#edit on the CI")
async def create_ci(request: Request):
    require(request, REPO_EDIT, _id(request))
    repo = _repo(request)
    data, upload = await _ci_with_file(request)
    data.setdefault("id", _id(request))
    if str(data["id"]).strip("/") != _id(request).strip("/"):
        raise BadRequest(f"The id in the body ({data['id']}) does not match the id in the path ({_id(request)}).")
    rec = await call(repo.create, data, user(request), upload)
    return ok(repo.to_json(rec), "ci")


@needs("repo#edit on the CI")
async def update_ci(request: Request):
    require(request, REPO_EDIT, _id(request))
    repo = _repo(request)
    data, upload = await _ci_with_file(request)
    rec = await call(repo.update, _id(request), data, user(request), upload)
    return ok(repo.to_json(rec), "ci")


@needs("repo#edit on the CI and all below it (import#remove for a package)")
async def delete_ci(request: Request):
    await check(request, policy(request).delete, _id(request))
    await _deleting(request, _repo(request).delete, _id(request), user(request))
    return no_content()


@needs("repo#edit on each CI")
async def create_cis(request: Request):
    repo = _repo(request)
    items = await json_body(request, list)
    ids = body_ids(items)
    audit(request, *ids)
    require_each(request, REPO_EDIT, ids)
    return ok(await call(_as_json, repo, repo.create_many, items, user(request)), "cis")


@needs("repo#edit on each CI")
async def update_cis(request: Request):
    repo = _repo(request)
    items = await json_body(request, list)
    ids = body_ids(items)
    audit(request, *ids)
    require_each(request, REPO_EDIT, ids)
    return ok(await call(_as_json, repo, repo.update_many, items, user(request)), "cis")


@needs("read on each CI", changes=False)
async def read_cis(request: Request):
    repo = _repo(request)
    ids = ref_ids(await json_body(request, list))
    require_each(request, READ, ids)
    return ok(await call(_as_json, repo, repo.read_many, ids), "cis")


@needs("repo#edit on each CI and all below it (import#remove for a package)")
async def delete_cis(request: Request):
    ids = ref_ids(await json_body(request, list))
    audit(request, *ids)
    for ci_id in ids:
        await check(request, policy(request).delete, ci_id)
    await _deleting(request, _repo(request).delete_many, ids, user(request))
    return no_content()


@needs("read on the CI")
async def exists(request: Request):
    require(request, READ, _id(request))
    return boolean(await call(_repo(request).exists, _id(request)))


def _required_param(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if not value:
        raise BadRequest(f"Query parameter '{name}' is required.")
    return value


@needs("read on the CI (and all below it), repo#edit on newId")
async def copy_ci(request: Request):
    require(request, REPO_EDIT, _required_param(request, "newId"))
    await check(request, policy(request).subtree, _id(request), READ)
    repo = _repo(request)
    rec = await call(repo.copy, _id(request), _required_param(request, "newId"), user(request))
    return ok(repo.to_json(rec), "ci")


@needs("repo#edit on the CI (and all below it) and on newId")
async def move_ci(request: Request):
    require(request, REPO_EDIT, _required_param(request, "newId"))
    await check(request, policy(request).subtree, _id(request), REPO_EDIT)
    repo = _repo(request)
    rec = await call(repo.move, _id(request), _required_param(request, "newId"), user(request))
    return ok(repo.to_json(rec), "ci")


@needs("repo#edit on the CI (and all below it)")
async def rename_ci(request: Request):
    """XL Deploy answers a rename with the CI under the id it was asked for (its old id), as the official
    SDK's own tests expect; the shell's repository.rename reads the CI at its new id instead."""
    await check(request, policy(request).subtree, _id(request), REPO_EDIT)
    repo = _repo(request)
    rec = await call(repo.rename, _id(request), _required_param(request, "newName"), user(request))
    return ok({**repo.to_json(rec), "id": _id(request)}, "ci")


@needs("repo#edit on each CI", changes=False, audited=True)
async def secrets_match(request: Request):
    """[{"id", "property", ["key",] "value"}] -> [true|false]: whether each stored secret equals the value.
    Needs repo#edit, as setting the secret does; the secrets themselves are never answered. Every call is in
    the audit trail (the CIs, never the values), and each user may check so many secrets a minute
    (server/security/guesses.py)."""
    items = await json_body(request, list)
    ids = [item.get("id") for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)]
    audit(request, *ids)
    require_each(request, REPO_EDIT, ids)
    services(request).guesses.take(user(request), len(items))
    return ok(await call(_repo(request).secrets_match, items))


def _query_args(request: Request) -> dict:
    q = request.query_params
    return dict(ci_type=q.get("type") or None, parent=q.get("parent") or None, ancestor=q.get("ancestor") or None,
                name_pattern=q.get("namePattern") or None, id_pattern=q.get("idPattern") or None,
                modified_before=q.get("lastModifiedBefore") or None,
                modified_after=q.get("lastModifiedAfter") or None,
                page=int_param(request, "page", 0), per_page=int_param(request, "resultsPerPage", -1))


async def _readable_query(request: Request):
    """The query's CIs the caller may read. For a caller who is not an admin the page is cut from the
    readable results, so pages hold what they would if the hidden CIs did not exist."""
    args = _query_args(request)
    caller = user(request)
    if security(request).is_admin(caller):
        return await call(_repo(request).query, **args)
    page, per_page = args.pop("page"), args.pop("per_page")
    may_read = security(request).reader(caller)
    recs = [r for r in await call(_repo(request).query, **args) if may_read(r.id)]
    if per_page is not None and per_page > 0:
        start = max(page, 0) * per_page
        recs = recs[start:start + per_page]
    return recs


@needs("login; answers only the CIs the caller may read")
async def query(request: Request):
    """List of CI references `{"ref": id, "type": type}`, ordered by id."""
    recs = await _readable_query(request)
    return ok([{"ref": r.id, "type": r.type} for r in recs], "list")


@needs("login; answers only the CIs the caller may read")
async def query_v3(request: Request):
    recs = await _readable_query(request)
    return ok([{"ref": r.id, "type": r.type, "lastModified": r.modified_at} for r in recs], "list")


@needs("read on the CI")
async def history(request: Request):
    """Versions of a CI, oldest first: version, revision, action, changedBy, changedAt."""
    require(request, READ, _id(request))
    entries = await call(_repo(request).history, _id(request))
    return ok([{k: v for k, v in e.items() if not k.startswith("_")} for e in entries], "history")


@needs("read on the CI")
async def download_artifact(request: Request):
    repo = _repo(request)
    ci_id = _id(request)
    require(request, READ, ci_id)
    await call(repo.read, ci_id)
    found = await call(repo.artifact_file, ci_id)
    if found is None:
        raise NotFound(f"CI {ci_id} has no artifact file.")
    sha1, filename, size = found
    handle = await call(repo.artifacts.open, sha1)  # the database store asks the database

    def chunks():
        with handle:
            yield from iter(lambda: handle.read(1024 * 1024), b"")

    safe_name = filename.replace('"', "")
    return StreamingResponse(chunks(), media_type="application/octet-stream",
                             headers={"Content-Disposition": f'attachment; filename="{safe_name}"',
                                      "Content-Length": str(size)})


routes = [
    Route("/repository/ci/{id:path}", read_ci, methods=["GET"]),
    Route("/repository/ci/{id:path}", create_ci, methods=["POST"]),
    Route("/repository/ci/{id:path}", update_ci, methods=["PUT"]),
    Route("/repository/ci/{id:path}", delete_ci, methods=["DELETE"]),
    Route("/repository/cis", create_cis, methods=["POST"]),
    Route("/repository/cis", update_cis, methods=["PUT"]),
    Route("/repository/cis/read", read_cis, methods=["POST"]),
    Route("/repository/cis/delete", delete_cis, methods=["POST"]),
    Route("/repository/exists/{id:path}", exists, methods=["GET"]),
    Route("/repository/Exists/{id:path}", exists, methods=["GET"]),
    Route("/repository/copy/{id:path}", copy_ci, methods=["POST"]),
    Route("/repository/move/{id:path}", move_ci, methods=["POST"]),
    Route("/repository/rename/{id:path}", rename_ci, methods=["POST"]),
    Route("/repository/secrets/matches", secrets_match, methods=["POST"]),
    Route("/repository/query", query, methods=["GET"]),
    Route("/repository/v2/query", query_v3, methods=["GET"]),
    Route("/repository/v3/query", query_v3, methods=["GET"]),
    Route("/repository/history/{id:path}", history, methods=["GET"]),
    Route("/repository/artifact/{id:path}", download_artifact, methods=["GET"]),
]
