from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "jifen.transparency"
    label = "transparency"
    verbose_name = "Transparency log"
