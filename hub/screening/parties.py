"""What of a message is screened: every party's and agent's name, BIC and countries.

Each target carries its canonical JSON path ("creditor.name", "intermediary_agents[0].bic",
"debtor.address.lines[2]") so a hit tells the person in repair exactly where to look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.model import Agent, Message, Party, PostalAddress
from hub.model.rules import looks_like_iban

PARTIES = ("debtor", "creditor", "ultimate_debtor", "ultimate_creditor")
AGENTS = ("debtor_agent", "creditor_agent", "instructing_agent", "instructed_agent",
          "instructing_reimbursement_agent", "instructed_reimbursement_agent",
          "third_reimbursement_agent")
AGENT_LISTS = ("intermediary_agents", "previous_instructing_agents")
_STRUCTURED_LINE = re.compile(r"^[0-9]/([A-Z]{2})(?:/|$)")  # MT 50F/59F line "3/IR/TEHRAN"


@dataclass(frozen=True, slots=True)
class Target:
    path: str
    kind: str  # name | bic | country | address
    value: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "type": self.kind, "value": self.value}


def _address(address: PostalAddress | None, path: str, out: list[Target]) -> None:
    if address is None:
        return
    if address.country:
        out.append(Target(f"{path}.country", "country", address.country))
    for i, line in enumerate(address.lines):
        structured = _STRUCTURED_LINE.match(line)
        if structured:
            out.append(Target(f"{path}.lines[{i}]", "country", structured.group(1)))
        out.append(Target(f"{path}.lines[{i}]", "address", line))
    for name in ("town_name", "country_sub_division"):
        value = getattr(address, name)
        if value:
            out.append(Target(f"{path}.{name}", "address", value))


def _bic(bic: str | None, path: str, out: list[Target]) -> None:
    if bic:
        out.append(Target(path, "bic", bic))
        out.append(Target(path, "country", bic[4:6]))


def _party(party: Party | None, path: str, out: list[Target]) -> None:
    if party is None:
        return
    if party.name:
        out.append(Target(f"{path}.name", "name", party.name))
    _bic(party.bic, f"{path}.bic", out)
    if party.country_of_residence:
        out.append(Target(f"{path}.country_of_residence", "country", party.country_of_residence))
    if party.account and looks_like_iban(party.account):
        out.append(Target(f"{path}.account", "country", party.account[:2]))
    _address(party.address, f"{path}.address", out)


def _agent(agent: Agent | None, path: str, out: list[Target]) -> None:
    if agent is None:
        return
    if agent.name:
        out.append(Target(f"{path}.name", "name", agent.name))
    _bic(agent.bic, f"{path}.bic", out)
    if agent.account and looks_like_iban(agent.account):
        out.append(Target(f"{path}.account", "country", agent.account[:2]))
    _address(agent.address, f"{path}.address", out)


def targets(message: Message, prefix: str = "") -> list[Target]:
    """Every screenable value of the message (and of the transfer a cover carries)."""
    out: list[Target] = []
    for name in PARTIES:
        _party(getattr(message, name), prefix + name, out)
    for name in AGENTS:
        _agent(getattr(message, name), prefix + name, out)
    for name in AGENT_LISTS:
        for i, agent in enumerate(getattr(message, name)):
            _agent(agent, f"{prefix}{name}[{i}]", out)
    if message.underlying is not None:
        out.extend(targets(message.underlying, f"{prefix}underlying."))
    return out
