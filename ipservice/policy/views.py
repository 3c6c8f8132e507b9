"""The policy section of the tenant home page: rules in force today and expired, with citations."""
from flask import Blueprint

from ipservice.policy import services
from ipservice.core import hooks

bp = Blueprint("policy", __name__, template_folder="templates")


def policy_section(tenant):
    current, expired, future = services.split_by_date(tenant)
    return "policy/_home.html", {
        "current": current, "expired": expired, "future": future,
        "cite": lambda rule: services.citation(tenant, rule),
    }


def init_app(app):
    hooks.home_section(app, policy_section)
