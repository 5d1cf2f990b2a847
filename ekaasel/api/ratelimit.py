"""A fixed-window counter in Django's cache: enough to stop a client filing in a loop."""

from django.core.cache import cache

from ekaasel.core import clock


def hit(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one request of `scope` by `key`; False once more than `limit` fall in the current window."""
    window = int(clock.now().timestamp()) // window_seconds
    cache_key = f"ekaasel:rl:{scope}:{key}:{window}"
    if cache.add(cache_key, 1, timeout=window_seconds + 1):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds + 1)
        return True
    return count <= limit
