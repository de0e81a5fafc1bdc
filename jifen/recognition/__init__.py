"""Recognition: star tiers by lifetime points, titles (社区之星), certificates, leaderboards
and the public notice board (公示榜)."""
