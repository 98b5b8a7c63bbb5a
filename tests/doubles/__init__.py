"""Offline test doubles for the Slack Web API and Socket Mode, served on real local sockets."""
