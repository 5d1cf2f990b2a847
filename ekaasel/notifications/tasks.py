"""Background tasks of the notification outbox (placeholder replaced below)."""
