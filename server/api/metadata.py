"""MetadataService routes: type descriptors and orchestrator names."""

from starlette.requests import Request
from starlette.routing import Route

from ..errors import NotFound
from ..planning.orchestrators import ALIASES, ORCHESTRATORS
from .common import ok, services


async def list_types(request: Request):
    types = services(request).types
    return ok([types.types[name].to_json() for name in sorted(types.types)])


async def get_type(request: Request):
    name = request.path_params["type"]
    desc = services(request).types.get(name)
    if desc is None:
        raise NotFound(f"Unknown type '{name}'.")
    return ok(desc.to_json())


async def orchestrators(request: Request):
    return ok(list(ORCHESTRATORS) + sorted(ALIASES))


routes = [
    Route("/metadata/type", list_types, methods=["GET"]),
    Route("/metadata/type/{type}", get_type, methods=["GET"]),
    Route("/metadata/orchestrators", orchestrators, methods=["GET"]),
]
