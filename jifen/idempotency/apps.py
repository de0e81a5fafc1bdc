from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "jifen.idempotency"
    label = "idempotency"
