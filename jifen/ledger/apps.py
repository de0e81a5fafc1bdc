from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "jifen.ledger"
    label = "ledger"
