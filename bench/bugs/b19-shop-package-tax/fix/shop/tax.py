"""Tax rates by region."""

RATES = {"FR": 20, "DE": 19, "LU": 17}


def rate_for(region):
    """Tax rate of a region as a fraction; unknown regions pay no tax."""
    return RATES.get(region, 0) / 100
