from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ekaasel.core"
    label = "core"
    verbose_name = "Core"
