"""Renderers: one per destination (console text, JSON, Slack Block Kit), all fed typed findings."""
