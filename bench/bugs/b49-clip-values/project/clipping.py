def clip(values, low, high):
    return [min(max(v, high), low) for v in values]
