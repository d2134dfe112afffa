"""Posts and runs: GET /posts, GET /posts/{id}, POST /posts/{id}/publish,
POST /automations/{id}/run and GET /automations/{id}/runs."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import Parameter

from smartshare import automations, posts, runs
from smartshare.api.calls import call, in_thread
from smartshare.api.schemas import Post, PostList, Queued, Run, RunList, convert, errors
from smartshare.errors import BadRequest

POST_PATH = "/{post_id:str}"


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _post(state, post_row, base_url) -> Post:
    return convert(posts.to_api(state.settings, post_row, base_url), Post)


def _list(state, user, query: dict, base_url: str) -> PostList:
    if query["status"] is not None and query["status"] not in posts.STATUSES:
        raise BadRequest(
            f"Invalid status {query['status']!r}: use one of "
            f"{', '.join(posts.STATUSES)}."
        )
    if query["automation_id"] is not None:
        query["automation_id"] = automations.parse_automation_id(query["automation_id"])
    rows, next_cursor = posts.list_posts(state.db, user["id"], **query)
    return PostList(
        posts=[_post(state, row, base_url) for row in rows], next_cursor=next_cursor
    )


def _get(state, user, post_id: str, base_url: str) -> Post:
    return _post(state, posts.get_post(state.db, user["id"], post_id), base_url)


def _publish(state, user, post_id: str, base_url: str) -> Post:
    return _post(state, posts.request_publish(state.db, user["id"], post_id), base_url)


class PostController(Controller):
    path = "/posts"
    tags = ["posts"]

    @get("/", responses=errors(400), summary="List posts, newest first")
    async def list_posts(
        self,
        request: Request,
        automation_id: str | None = None,
        status: str | None = None,
        limit: int = Parameter(default=20, ge=1, le=posts.MAX_PAGE),
        cursor: str | None = Parameter(default=None, max_length=500),
    ) -> PostList:
        query = {
            "automation_id": automation_id,
            "status": status,
            "limit": limit,
            "cursor": cursor,
        }
        return await in_thread(request, _list, query, _base_url(request))

    @get(
        POST_PATH, responses=errors(400, 404), summary="Get a post", sync_to_thread=True
    )
    def get_post(self, request: Request, post_id: str) -> Post:
        return call(request, _get, post_id, _base_url(request))

    @post(
        POST_PATH + "/publish",
        status_code=202,
        responses=errors(400, 404, 409),
        summary="Publish a held post or retry a failed one",
        sync_to_thread=True,
    )
    def publish_post(self, request: Request, post_id: str) -> Post:
        return call(request, _publish, post_id, _base_url(request))


def _queue_run(state, user, automation_id: str) -> Queued:
    run_id = runs.queue_manual_run(state.db, user["id"], automation_id)
    state.worker.run_task(run_id)
    return Queued(success=True, message="Run queued.", run_id=run_id)


def _runs(state, user, automation_id: str) -> RunList:
    rows = runs.list_runs(state.db, user["id"], automation_id)
    return RunList(runs=[convert(runs.to_api(row), Run) for row in rows])


class RunController(Controller):
    path = "/automations/{automation_id:str}"
    tags = ["automations"]

    @post(
        "/run",
        status_code=202,
        responses=errors(400, 404, 409),
        summary="Run an automation now",
        sync_to_thread=True,
    )
    def run_now(self, request: Request, automation_id: str) -> Queued:
        return call(request, _queue_run, automation_id)

    @get(
        "/runs",
        responses=errors(400, 404),
        summary="List an automation's runs",
        sync_to_thread=True,
    )
    def list_runs(self, request: Request, automation_id: str) -> RunList:
        return call(request, _runs, automation_id)
