from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "jifen.recognition"
    label = "recognition"
