"""The dashboard as create_app mounts it: route handlers, templates and hooks."""

from __future__ import annotations

from litestar import Router

from smartshare.web import (
    activity,
    admin,
    auth,
    automation_form,
    automations,
    calendar,
    posts,
    settings,
    setup,
    webhooks,
)
from smartshare.web.errors import render_error_page
from smartshare.web.headers import security_headers
from smartshare.web.setup import announce_setup_link
from smartshare.web.templating import static_router, template_config

__all__ = [
    "announce_setup_link",
    "render_error_page",
    "route_handlers",
    "security_headers",
    "template_config",
]


def route_handlers() -> list:
    # One Router: an app registering handlers one by one registers the earlier
    # handlers of a shared path again, which wraps sync_to_thread handlers twice.
    pages = Router("/", route_handlers=_handlers(), include_in_schema=False)
    return [static_router(), pages]


def _handlers() -> list:
    return [
        auth.home,
        auth.login_page,
        auth.login_submit,
        auth.logout,
        setup.setup_page,
        setup.setup_submit,
        automations.automation_list,
        automations.automation_states,
        automations.automation_detail,
        automations.automation_runs,
        automations.automation_start,
        automations.automation_stop,
        automations.automation_run,
        automations.automation_delete_page,
        automations.automation_delete,
        automation_form.automation_new,
        automation_form.automation_create,
        automation_form.automation_edit,
        automation_form.automation_update,
        automation_form.schedule_preview,
        posts.post_list,
        posts.post_states,
        posts.post_detail,
        posts.post_publish,
        calendar.calendar_page,
        activity.activity_page,
        settings.settings_index,
        settings.api_key_create,
        settings.api_key_revoke,
        settings.sandbox_account_add,
        webhooks.webhook_create,
        webhooks.webhook_detail,
        webhooks.webhook_deliveries,
        webhooks.webhook_test,
        webhooks.webhook_redeliver,
        webhooks.webhook_enable,
        webhooks.webhook_delete_page,
        webhooks.webhook_delete,
        admin.admin_index,
        admin.admin_user_create,
        admin.admin_user_limit,
    ]
