"""Figures for the lead console: queue depth and oldest wait, SLA attainment, agents' load.

They describe Redis's derived state, so SLA counters start again after Redis loses its state;
long-run reporting belongs to the gateway's event log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from routing.model import AgentView, Queue
from routing.records import agent_view


@dataclass(frozen=True, slots=True)
class QueueStats:
    """`met` and `breached` count contacts offered within / not within the queue's target (each
    contact once); `attainment` is met / (met + breached), None before the first of either."""

    queue: Queue
    depth: int
    oldest_wait: float
    target: float
    met: int
    breached: int

    @property
    def attainment(self) -> float | None:
        counted = self.met + self.breached
        return self.met / counted if counted else None


@dataclass(frozen=True, slots=True)
class RoutingStats:
    at: float
    queues: tuple[QueueStats, ...]
    agents: tuple[AgentView, ...]

    def queue(self, queue: Queue) -> QueueStats:
        return next(stats for stats in self.queues if stats.queue == queue)


def build(
    now: float,
    targets: Mapping[Queue, float],
    lanes: Sequence[Sequence[str]],
    sla: Sequence[str],
    agents: Sequence[Sequence[Any]],
) -> RoutingStats:
    """Sums the per-lane figures of the stats script into per-queue ones."""
    depth = dict.fromkeys(Queue, 0)
    oldest = dict.fromkeys(Queue, now)
    for queue_name, lane_depth, arrived in lanes:
        queue = Queue(queue_name)
        depth[queue] += int(lane_depth)
        oldest[queue] = min(oldest[queue], float(arrived))
    counters = {name: int(value) for name, value in zip(sla[::2], sla[1::2], strict=True)}
    queues = tuple(
        QueueStats(
            queue=queue,
            depth=depth[queue],
            oldest_wait=max(0.0, now - oldest[queue]),
            target=targets[queue],
            met=counters.get(f"{queue}:met", 0),
            breached=counters.get(f"{queue}:breached", 0),
        )
        for queue in Queue
    )
    agent_views = tuple(
        sorted(
            (
                agent_view(agent_id, dict(zip(flat[::2], flat[1::2], strict=True)), contacts)
                for agent_id, flat, contacts in agents
            ),
            key=lambda agent: agent.id,
        )
    )
    return RoutingStats(at=now, queues=queues, agents=agent_views)
