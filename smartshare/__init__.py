"""SmartShare: scheduled Instagram content automations in one process."""

__version__ = "0.1.0"
