from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "shop.assistant"
    label = "assistant"
    verbose_name = "Shopping assistant"
