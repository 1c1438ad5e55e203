"""The law: policies as data — cited, dated, versioned — read from ``rules/policies/*.yaml`` and checked.

A policy file's shape (:mod:`~rules.law.schema`), the units of its parameters (:mod:`~rules.law.units`), the
loaded policy and the law it puts in force on a day (:mod:`~rules.law.policy`), static checks
(:mod:`~rules.law.policy_check`), the loader with ``extends`` and reforms (:mod:`~rules.law.loader`) and where
policy files live (:mod:`~rules.law.catalog`). Nothing here evaluates a rule; that is :mod:`rules.engine`.
"""
