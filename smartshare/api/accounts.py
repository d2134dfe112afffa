"""GET /api/v1/accounts: the user's connected Instagram accounts."""

from __future__ import annotations

from litestar import Controller, Request, get

from smartshare import accounts
from smartshare.api.calls import call
from smartshare.api.schemas import Account, AccountList, convert, errors


def _list(state, user) -> AccountList:
    rows = accounts.list_accounts(state.db, user["id"])
    return AccountList(
        accounts=[convert(accounts.to_api(row), Account) for row in rows]
    )


class AccountController(Controller):
    path = "/accounts"
    tags = ["accounts"]

    @get(
        "/", responses=errors(), summary="List connected accounts", sync_to_thread=True
    )
    def list_accounts(self, request: Request) -> AccountList:
        return call(request, _list)
