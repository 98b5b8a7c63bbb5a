"""Slack chat-ops bot that triages failed ModelArts real-time service predictions."""
