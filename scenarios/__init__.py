"""Scenarios: the domain model, loading and validation of scenario directories, and the generator."""

from scenarios.errors import Problem, ScenarioError
from scenarios.load import check_scenario, load_scenario
from scenarios.model import (
    Department,
    Item,
    ItemKind,
    ObjectType,
    RiskClass,
    Scenario,
    ScenarioSpec,
    Task,
    Window,
    WindowFlex,
)

__all__ = [
    "Department",
    "Item",
    "ItemKind",
    "ObjectType",
    "Problem",
    "RiskClass",
    "Scenario",
    "ScenarioError",
    "ScenarioSpec",
    "Task",
    "Window",
    "WindowFlex",
    "check_scenario",
    "load_scenario",
]
