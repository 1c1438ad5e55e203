"""Rules engine: policies as declarative, cited, versioned law, evaluated with durable-rules.

``load_policy(name, overrides=None, as_of=None)`` reads ``rules/policies/<name>.yaml`` (and the policies
it extends); ``evaluate(scenario, policy=None)`` returns :class:`RuleResults` — polars tables of
inclusion probabilities, caps, team rules and findings; ``explain_text`` tells one subject's story.
"""

from rules.engine.backend import Backend, PythonBackend, get_backend, set_backend
from rules.evaluate import evaluate, evaluation_day
from rules.explain import Explanation, explain, explain_text
from rules.law.catalog import known_policies, policy_path
from rules.law.loader import load_policy
from rules.law.policy import InForce, Policy, PolicyError
from rules.results import RuleResults

__all__ = [
    "Backend",
    "Explanation",
    "InForce",
    "Policy",
    "PolicyError",
    "PythonBackend",
    "RuleResults",
    "evaluate",
    "evaluation_day",
    "explain",
    "explain_text",
    "get_backend",
    "known_policies",
    "load_policy",
    "policy_path",
    "set_backend",
]
