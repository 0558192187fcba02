"""Hop counts in the office network."""

from collections import deque


def hops(links, source):
    """Fewest hops from source to every reachable host."""
    distance = {source: 0}
    visited = {source}
    queue = deque([source])
    while queue:
        host = queue.popleft()
        for peer in links.get(host, ()):
            if peer not in visited:
                distance[peer] = distance[host] + 1
                queue.append(peer)
    return distance
