"""Webhooks: events sent to users' endpoints as signed HTTP POST requests."""
