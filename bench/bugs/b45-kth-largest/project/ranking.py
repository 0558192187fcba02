def kth_largest(xs, k):
    return sorted(xs)[k]
