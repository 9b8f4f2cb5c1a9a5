"""`fengkong demo`: the decision slice on public data, then a lender's simulated year, then the
people who log in to it (`demo.run`)."""

from fengkong.demo.access import DEMO_KEY, DEMO_STAFF, DemoAccess, DemoLogin, demo_access
from fengkong.demo.german import (
    DEMO_POLICY,
    GermanReport,
    PolicyRates,
    application_body,
    run_german,
)
from fengkong.demo.run import DemoReport, render, run_demo
from fengkong.sim.setup import german_credit
from fengkong.sim.setup import shipped_policy_files as shipped_policies

__all__ = [
    "DEMO_KEY",
    "DEMO_POLICY",
    "DEMO_STAFF",
    "DemoAccess",
    "DemoLogin",
    "DemoReport",
    "GermanReport",
    "PolicyRates",
    "application_body",
    "demo_access",
    "german_credit",
    "render",
    "run_demo",
    "run_german",
    "shipped_policies",
]
