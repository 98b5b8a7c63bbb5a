"""The Slack side: a Bolt app whose listeners hand pastes to the responder, and its two transports."""
