"""Channel adapters: each turns one provider's protocol into our message types and back.

Adapters never import the gateway, the NLP package or routing: the gateway hands each adapter
an ``on_inbound`` coroutine and calls its ``send`` for replies.
"""

from channels.message import (
    Channel,
    InboundMessage,
    OnInbound,
    OutboundMessage,
    SendError,
    SendResult,
)

__all__ = [
    "Channel",
    "InboundMessage",
    "OnInbound",
    "OutboundMessage",
    "SendError",
    "SendResult",
]
