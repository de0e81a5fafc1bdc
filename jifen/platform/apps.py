from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The platform around the programmes: the `jifen run`, `jifen worker` and `jifen demo`
    commands. No models."""

    name = "jifen.platform"
    label = "platform"
