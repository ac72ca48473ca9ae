"""Placeholder until the bot harness lands."""
