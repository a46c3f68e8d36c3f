from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "como.agents"
    label = "agents"
    verbose_name = "Agents"
