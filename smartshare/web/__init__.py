"""Routes outside the JSON API: media files and the dashboard."""
