from django.apps import AppConfig


class EarningConfig(AppConfig):
    name = "jifen.earning"
    label = "earning"
