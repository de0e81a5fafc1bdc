from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "jifen.insights"
    label = "insights"
