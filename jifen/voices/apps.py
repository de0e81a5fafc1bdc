from django.apps import AppConfig


class VoicesConfig(AppConfig):
    name = "jifen.voices"
    label = "voices"
