from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "jifen.programmes"
    label = "programmes"
