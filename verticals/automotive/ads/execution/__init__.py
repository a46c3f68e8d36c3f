"""The inventory-ads executors: per vehicle inside each action (:mod:`.steps`)."""

from como.agents.execution import register_executor

from ..kinds import LAUNCH, PAUSE, UPDATE
from .launch import launch_execute
from .pause import pause_execute
from .update import update_execute


def register() -> None:
    """Called from the vertical's ``AppConfig.ready()``."""
    register_executor(LAUNCH, launch_execute)
    register_executor(UPDATE, update_execute)
    register_executor(PAUSE, pause_execute)


__all__ = ["launch_execute", "pause_execute", "register", "update_execute"]
