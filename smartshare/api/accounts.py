"""GET /api/v1/accounts: the user's connected Instagram accounts."""

from __future__ import annotations

from litestar import Controller, Request, get

from smartshare import accounts
from smartshare.api.calls import in_thread
from smartshare.api.schemas import Account, AccountList, convert, errors


def _list(state, user) -> AccountList:
    rows = accounts.list_accounts(state.db, user["id"])
    return AccountList(
        accounts=[convert(accounts.to_api(row), Account) for row in rows]
    )


class AccountController(Controller):
    path = "/accounts"
    tags = ["accounts"]

    @get("/", responses=errors(), summary="List connected accounts")
    async def list_accounts(self, request: Request) -> AccountList:
        return await in_thread(request, _list)
