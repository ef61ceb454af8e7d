"""``skillsim list``: the bundled scenarios, the policies and the dispatch rules."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

from agents.dispatch_rules import dispatch_rule_names, make_dispatch_rule
from agents.distribution import WorkloadUnit
from agents.policies.registry import installed_policies, make_policy, policy_names
from scenarios.loader import bundled_scenarios, load_scenario

__all__ = ["add_list_parser", "list_command"]


def add_list_parser(sub: Any) -> None:
    """Add the ``list`` subcommand to the ``skillsim`` parser's subparsers."""
    sub.add_parser("list", help="list bundled scenarios and registered policies")


def list_command(args: argparse.Namespace, console: Console) -> int:
    """Run ``skillsim list``: print three tables; return 0."""
    scenarios = Table(title="bundled scenarios", header_style="bold")
    scenarios.add_column("name")
    scenarios.add_column("description")
    for name in bundled_scenarios():
        scenarios.add_row(name, load_scenario(name).spec.description)
    console.print(scenarios)
    policies = Table(title="policies", header_style="bold")
    policies.add_column("name")
    policies.add_column("what it does")
    installed = installed_policies()
    for name in policy_names():
        if name in installed:  # listed without importing the package that offers it
            policies.add_row(name, f"installed: {installed[name]}")
            continue
        doc = (type(make_policy(name)).__doc__ or "").strip().splitlines()
        policies.add_row(name, doc[0] if doc else "")
    console.print(policies)
    rules = Table(title='dispatch rules (queue = "assignee")', header_style="bold")
    rules.add_column("name")
    rules.add_column("joins the queue of")
    for name in dispatch_rule_names():
        rule = make_dispatch_rule(name, (WorkloadUnit("x", 100),) if name == "workload" else ())
        doc = (type(rule).__doc__ or "").strip().splitlines()
        rules.add_row(name, doc[0] if doc else "")
    console.print(rules)
    return 0
