"""Replays routing events in Redis's order and checks, at every step, that no contact is held by
two agents or dropped and that no agent holds more than its capacity."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from routing import (
    Channel,
    ContactCompleted,
    ContactOffered,
    ContactReleased,
    ContactWithdrawn,
    OfferAccepted,
    OfferDeclined,
    OfferRevoked,
    OfferTimedOut,
    RoutingEvent,
)


class Ledger:
    def __init__(self, capacity: Mapping[str, Mapping[Channel, int]]) -> None:
        self.capacity = capacity
        self.state: dict[str, str] = {}
        self.holder: dict[str, str] = {}
        self.channel: dict[str, Channel] = {}
        self.load: dict[str, Counter[Channel]] = defaultdict(Counter)
        self.accepted: Counter[str] = Counter()
        self.completed: Counter[str] = Counter()
        self.peak_load: Counter[str] = Counter()

    def replay(self, events: Iterable[RoutingEvent]) -> None:
        ordered = sorted(events, key=lambda event: event.seq)
        seqs = [event.seq for event in ordered]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "an event is missing or doubled"
        for event in ordered:
            self._apply(event)

    def _take(self, contact_id: str, agent_id: str, expected: str) -> None:
        assert self.state.get(contact_id) == expected, (contact_id, self.state.get(contact_id))
        assert self.holder[contact_id] == agent_id
        self.load[agent_id][self.channel[contact_id]] -= 1
        del self.holder[contact_id]

    def _apply(self, event: RoutingEvent) -> None:
        match event:
            case ContactOffered(contact_id=cid, agent_id=aid, channel=channel):
                assert self.state.get(cid) not in ("offered", "assigned", "done"), (cid, "twice")
                self.state[cid], self.holder[cid], self.channel[cid] = "offered", aid, channel
                self.load[aid][channel] += 1
                assert self.load[aid][channel] <= self.capacity[aid][channel], (aid, channel)
                self.peak_load[aid] = max(self.peak_load[aid], sum(self.load[aid].values()))
            case OfferAccepted(contact_id=cid, agent_id=aid):
                assert self.state.get(cid) == "offered" and self.holder[cid] == aid
                self.state[cid] = "assigned"
                self.accepted[cid] += 1
            case (
                OfferDeclined(contact_id=cid, agent_id=aid)
                | OfferTimedOut(contact_id=cid, agent_id=aid)
                | OfferRevoked(contact_id=cid, agent_id=aid)
            ):
                self._take(cid, aid, "offered")
                self.state[cid] = "queued"
            case ContactReleased(contact_id=cid, agent_id=aid):
                self._take(cid, aid, "assigned")
                self.state[cid] = "queued"
            case ContactCompleted(contact_id=cid, agent_id=aid):
                self._take(cid, aid, "assigned")
                self.state[cid] = "done"
                self.completed[cid] += 1
            case ContactWithdrawn(contact_id=cid):
                assert cid not in self.holder
                self.state[cid] = "done"
            case _:
                pass
