from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "jifen.rewards"
    label = "rewards"
