"""Webhooks: endpoints a workspace registers, signed deliveries of its events to them."""
