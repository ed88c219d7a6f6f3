"""Lever webhooks: a receiver that verifies and queues deliveries, and a drain that turns them into targeted syncs."""
