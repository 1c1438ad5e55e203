"""The engine: how rules are evaluated — the fact vocabulary, conditions, facts of a scenario, backends.

:mod:`~rules.engine.vocabulary` names the facts a rule may test, :mod:`~rules.engine.conditions` parses and
evaluates conditions over them, :mod:`~rules.engine.facts` builds a scenario's fact records per scope, and
:mod:`~rules.engine.backend` evaluates the law in force on those records with durable-rules
(:mod:`~rules.engine.durable_backend`) or the pure-Python reference backend.
"""
