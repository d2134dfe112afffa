"""Template and static file locations, and the Jinja2 environment.

An installed wheel carries them as smartshare/templates and smartshare/static,
and a checkout has them at the top of the repository.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.file_system import BaseLocalFileSystem
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from smartshare.web.formatting import FILTERS

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def asset_dir(name: str) -> Path:
    """Return the package's `name` folder, else the checkout's."""
    for base in (PACKAGE_DIR, PACKAGE_DIR.parent):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise RuntimeError(
        f"The {name}/ folder was not found in {PACKAGE_DIR} or {PACKAGE_DIR.parent}; "
        "reinstall SmartShare."
    )


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(asset_dir("templates")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def template_config() -> TemplateConfig:
    engine = JinjaTemplateEngine.from_environment(environment())
    # Litestar adds a csrf_token global for its own CSRF middleware. Templates
    # use the session's csrf_token instead, so a missing one must fail loudly.
    engine.engine.globals.pop("csrf_token", None)
    return TemplateConfig(instance=engine)


# A lookup that fails with one of these errors names a file that cannot exist,
# so the request gets a 404.
ABSENT_ERRNOS = {errno.ENAMETOOLONG, errno.ENOTDIR}


class AssetFiles(BaseLocalFileSystem):
    """A local file system that treats a path the OS cannot look up as missing."""

    async def info(self, path: Any, **kwargs: Any) -> Any:
        try:
            return await super().info(path, **kwargs)
        except ValueError:
            raise FileNotFoundError(path) from None
        except OSError as error:
            if error.errno in ABSENT_ERRNOS:
                raise FileNotFoundError(path) from None
            raise


def static_router() -> Router:
    return create_static_files_router(
        path="/static",
        directories=[asset_dir("static")],
        file_system=AssetFiles(),
        cache_control=CacheControlHeader(max_age=3600, public=True),
        include_in_schema=False,
    )
